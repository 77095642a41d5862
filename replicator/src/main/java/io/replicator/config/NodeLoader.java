package io.replicator.config;

import io.replicator.nbd.server.ListenAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The {@code nodes} mapping: exactly two named nodes, each with its own addresses and paths. */
final class NodeLoader {
    static final List<String> KEYS = List.of("replication", "nbd", "disk", "state-dir", "control", "http");

    private NodeLoader() {}

    static Map<String, NodeConfig> load(Section top) throws ConfigException {
        String expected = "exactly two nodes, each a mapping of " + String.join(", ", KEYS);
        if (!top.has("nodes")) {
            throw top.error("nodes", "missing (expected: " + expected + ")");
        }
        Section nodes = top.section("nodes", expected);
        List<String> names = nodes.names();
        for (String name : names) {
            if (!Section.NAME.matcher(name).matches()) {
                throw top.error("nodes", "\"" + name + "\" is not a valid node name (expected: " + Section.NAME_RULE + ")");
            }
        }
        if (names.size() != 2) {
            throw top.error("nodes", names.size() + (names.size() == 1 ? " node" : " nodes")
                    + (names.isEmpty() ? "" : " (" + String.join(", ", names) + ")") + " (expected: exactly 2, the pair)");
        }
        Map<String, NodeConfig> result = new LinkedHashMap<>();
        for (String name : names) {
            result.put(name, node(nodes.section(name, "a mapping of " + String.join(", ", KEYS)), name));
        }
        checkDistinct(top, result);
        return result;
    }

    private static NodeConfig node(Section node, String name) throws ConfigException {
        node.checkKnown(KEYS);
        ListenAddress.Tcp replication = node.tcp("replication",
                node.required("replication", "HOST:PORT where this node's replication link listens"));
        ListenAddress nbd = node.listen("nbd",
                node.required("nbd", "HOST:PORT or unix:PATH where this node serves NBD when Primary"));
        var disk = node.requiredPath("disk", "a path to the backing file or block device");
        var stateDir = node.requiredPath("state-dir", "a directory for metadata, journal and bitmap");
        var control = node.requiredPath("control", "a path for the Unix socket replctl talks to");
        String http = node.optional("http", "HOST:PORT for /health and /metrics").orElse(null);
        return new NodeConfig(name, replication, nbd, disk, stateDir, control, http == null ? null : node.tcp("http", http));
    }

    /**
     * Within a node, no address or path may serve two purposes. Across the two nodes only the
     * replication addresses must differ: the nodes usually run on two hosts, where the same disk path
     * or a loopback NBD address on each is normal (on one host, the daemons' locks and binds catch a clash).
     */
    private static void checkDistinct(Section top, Map<String, NodeConfig> nodes) throws ConfigException {
        Map<String, String> replication = new HashMap<>();
        for (NodeConfig node : nodes.values()) {
            Map<String, String> owners = new HashMap<>();
            for (Use use : uses(node)) {
                String earlier = owners.putIfAbsent(use.value(), use.key());
                if (earlier != null) {
                    throw top.error(use.key(), use.value() + " is also used by " + earlier
                            + " (expected: each address and path of a node distinct)");
                }
            }
            Use link = uses(node).get(0);
            String earlier = replication.putIfAbsent(link.value(), link.key());
            if (earlier != null) {
                throw top.error(link.key(), link.value() + " is also used by " + earlier
                        + " (expected: the two nodes' replication addresses differ)");
            }
        }
    }

    /** An address or path a node claims, under its full key. Paths are absolute, so they never equal an address. */
    private record Use(String key, String value) {}

    private static List<Use> uses(NodeConfig node) {
        String prefix = "nodes." + node.name() + ".";
        List<Use> uses = new ArrayList<>();
        uses.add(new Use(prefix + "replication", node.replication().toString()));
        uses.add(new Use(prefix + "nbd", node.nbd() instanceof ListenAddress.Unix unix
                ? unix.path().toString() : node.nbd().toString()));
        uses.add(new Use(prefix + "disk", node.disk().toString()));
        uses.add(new Use(prefix + "state-dir", node.stateDir().toString()));
        uses.add(new Use(prefix + "control", node.control().toString()));
        if (node.http() != null) {
            uses.add(new Use(prefix + "http", node.http().toString()));
        }
        return uses;
    }
}
