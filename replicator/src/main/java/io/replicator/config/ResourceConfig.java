package io.replicator.config;

import io.replicator.core.Protocol;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One replicated resource as its YAML file describes it ({@code activityLogExtents}: DRBD's al-extents, 0 for no
 * activity log). The file is identical on both nodes; each daemon is told
 * which node it is. Build one with {@link #load}: every value is validated and every path is absolute.
 */
public record ResourceConfig(Path file, String resource, Protocol protocol, Path secretFile, long sizeBytes,
        Map<String, NodeConfig> nodes, NetOptions net, JournalOptions journal, SyncOptions sync, NbdOptions nbd,
        SplitBrainOptions splitBrain, int activityLogExtents) {

    public ResourceConfig {
        nodes = Collections.unmodifiableMap(new LinkedHashMap<>(nodes));
    }

    /** Reads and validates {@code file}; the exception names the file, the key and the reason. */
    public static ResourceConfig load(Path file) throws ConfigException {
        return ConfigLoader.load(file);
    }

    public NodeConfig node(String name) throws ConfigException {
        NodeConfig node = nodes.get(name);
        if (node == null) {
            throw new ConfigException(file + ": node '" + name + "' is not in nodes (known: "
                    + String.join(", ", nodes.keySet()) + ")");
        }
        return node;
    }

    /** The other node of the pair. */
    public NodeConfig peerOf(String name) throws ConfigException {
        node(name);
        for (NodeConfig node : nodes.values()) {
            if (!node.name().equals(name)) {
                return node;
            }
        }
        throw new ConfigException(file + ": node '" + name + "' has no peer in nodes (expected: exactly 2 nodes)");
    }

    /** The shared secret: the whole file without trailing newlines, at least 16 bytes, mode 600. */
    public byte[] readSecret() throws ConfigException {
        return SecretFile.read(file, secretFile);
    }

    /** This host's name, the node name a daemon assumes when not told: host name, else /etc/hostname, else localhost. */
    public static String defaultNodeName() {
        try {
            String name = InetAddress.getLocalHost().getHostName();
            if (name != null && !name.isBlank()) {
                return name;
            }
        } catch (IOException e) {
            // the host name does not resolve: fall back to the file
        }
        try {
            String name = new String(Files.readAllBytes(Path.of("/etc/hostname")), StandardCharsets.UTF_8).trim();
            if (!name.isEmpty()) {
                return name;
            }
        } catch (IOException e) {
            // no /etc/hostname either
        }
        return "localhost";
    }
}
