package io.replicator.e2e.pair;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.replicator.control.ControlClient;
import io.replicator.control.ControlResponse;
import io.replicator.control.NodeStatus;
import io.replicator.core.ConnectionState;
import io.replicator.core.DiskState;
import io.replicator.core.ReplicationState;
import io.replicator.core.Role;
import io.replicator.e2e.ExternalTool;
import io.replicator.e2e.Volumes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.function.Predicate;

/**
 * Two daemons of one resource on this host, {@code alpha} (which dials) and {@code beta} (which
 * accepts), each in its own directory under a test's temporary directory: the resource file with free
 * loopback ports, the secret file (mode 600), waits on their status with deadlines, role changes through
 * the real {@code replctl}, and a byte-for-byte comparison of the two backing files once the pair is quiet.
 *
 * <p>{@link #close()} SIGKILLs whatever still runs (each daemon by its own PID).
 */
public final class PairProcesses implements AutoCloseable {

    public static final String RESOURCE = "r0";
    /** Long enough for a full sync of a test volume on a busy two-core machine. */
    public static final Duration WAIT = Duration.ofSeconds(90);
    private static final Duration REPLCTL_TIMEOUT = Duration.ofSeconds(60);
    private static final int START_ATTEMPTS = 3;

    private final Path dir;
    private final PairSettings settings;
    private DaemonNode alpha;
    private DaemonNode beta;
    /** Each daemon in its own namespace, the link between them a veth pair (null: both on loopback). */
    private final NetnsPair net;

    private PairProcesses(Path dir, PairSettings settings, NetnsPair net) {
        this.dir = dir;
        this.settings = settings;
        this.net = net;
    }

    /** As {@link #start}, with alpha in {@code net.a} and beta in {@code net.b}, linked over the veth pair. */
    public static PairProcesses startIn(NetnsPair net, Path dir, PairSettings settings) {
        PairProcesses pair = new PairProcesses(dir, settings, net);
        pair.writeFiles();
        return established(pair);
    }

    /** Writes the files, starts both daemons and waits until they are connected and Established. */
    public static PairProcesses start(Path dir, PairSettings settings) {
        return established(create(dir, settings));
    }

    private static PairProcesses established(PairProcesses pair) {
        try {
            pair.startBoth();
            pair.awaitEstablished();
            return pair;
        } catch (RuntimeException | Error e) {
            pair.close();
            throw e;
        }
    }

    /** Writes the resource file and the secret, but starts nothing. */
    public static PairProcesses create(Path dir, PairSettings settings) {
        PairProcesses pair = new PairProcesses(dir, settings, null);
        pair.writeFiles();
        return pair;
    }

    public DaemonNode alpha() {
        return alpha;
    }

    public DaemonNode beta() {
        return beta;
    }

    public DaemonNode peerOf(DaemonNode node) {
        return node == alpha ? beta : alpha;
    }

    public Path dir() {
        return dir;
    }

    /** The resource file both nodes read (unless {@link PairSettings#otherSecretOn} gave one its own). */
    public Path config() {
        return dir.resolve(RESOURCE + ".yaml");
    }

    /** Starts both daemons at once and waits until both answer; new ports if one was taken meanwhile. */
    public void startBoth() {
        for (int attempt = 1; ; attempt++) {
            alpha.launch();
            beta.launch();
            boolean alphaUp = alpha.awaitUp();
            boolean betaUp = beta.awaitUp();
            if (alphaUp && betaUp) {
                return;
            }
            alpha.close();
            beta.close();
            if (attempt >= START_ATTEMPTS) {
                fail("ports taken by other processes " + attempt + " times in a row\n" + alpha.log() + beta.log());
            }
            writeFiles();
        }
    }

    // ------------------------------------------------------------------ waiting on status

    /** Polls {@code node}'s status until {@code condition} holds (within {@link #WAIT}); returns that status. */
    public NodeStatus await(DaemonNode node, String what, Predicate<NodeStatus> condition) {
        return await(node, what, WAIT, condition);
    }

    public NodeStatus await(DaemonNode node, String what, Duration timeout, Predicate<NodeStatus> condition) {
        return Await.until(node.name() + ": " + what, timeout, node::status, condition, this::logs);
    }

    /**
     * Both nodes Connected, Established, no sync running, both disks UpToDate. Fails at once if either
     * node goes StandAlone (it would stay so until an operator acts).
     */
    public void awaitEstablished() {
        for (DaemonNode node : List.of(alpha, beta)) {
            await(node, "Connected, Established, both disks UpToDate", s -> {
                if (s.connection() == ConnectionState.StandAlone) {
                    fail(node.name() + " went StandAlone (" + s.lastError() + ")\n" + statusesAndLogs());
                }
                return established(s);
            });
        }
    }

    static boolean established(NodeStatus s) {
        return s.connection() == ConnectionState.Connected && s.replication() == ReplicationState.Established
                && s.syncKind() == null && s.disk() == DiskState.UpToDate && s.peer().disk() == DiskState.UpToDate;
    }

    /** Waits until {@code text} appears in the node's log (all runs). */
    public void awaitLog(DaemonNode node, String text) {
        Await.until(node.name() + " to log \"" + text + "\"", WAIT, node::log, log -> log.contains(text), () -> "");
    }

    // ------------------------------------------------------------------ replctl

    /** Runs {@code replctl VERB --config FILE --node NAME [ARGS...]} and returns its result, whatever its exit code. */
    public ExternalTool.Result replctl(DaemonNode node, String verb, String... args) {
        List<String> command = new ArrayList<>(List.of(Launchers.replctl().toString(), verb,
                "--config", node.config().toString(), "--node", node.name()));
        command.addAll(List.of(args));
        return ExternalTool.run(REPLCTL_TIMEOUT, Launchers.REPLCTL_ENV, command);
    }

    /** {@code replctl promote} (exit 0), then waits until the node is Primary and serving NBD. */
    public void promote(DaemonNode node) {
        replctl(node, "promote").assertSuccess();
        await(node, "Primary and serving", s -> s.role() == Role.Primary && s.serving());
    }

    /**
     * Promotes over the control socket in-process, as replctl would but without starting a JVM: for
     * set-up steps of tests that exercise replctl elsewhere.
     */
    public void promoteOverSocket(DaemonNode node) {
        ControlResponse response;
        try {
            response = ControlClient.send(node.controlSocket(), "promote", false);
        } catch (IOException e) {
            throw new UncheckedIOException("promote " + node.name() + " over " + node.controlSocket(), e);
        }
        assertTrue(response.done(), "promote " + node.name() + ": " + response.message());
        await(node, "Primary and serving", s -> s.role() == Role.Primary && s.serving());
    }

    /** {@code replctl demote} (exit 0); the status right after says Secondary. */
    public void demote(DaemonNode node) {
        replctl(node, "demote").assertSuccess();
        assertEquals(Role.Secondary, node.statusNow().role(), "role of " + node.name() + " after demote");
    }

    // ------------------------------------------------------------------ comparing the disks

    /**
     * Waits until the pair is quiet (both Established, no sync, the same lastSeq on both, twice in a
     * row) and asserts that the two backing files hold the same bytes.
     */
    public void assertDisksIdentical() {
        String[] previous = {""};
        Await.until("the pair to be quiet (both Established, no sync, same lastSeq twice in a row)", WAIT, () -> {
            String now = quietSnapshot();
            boolean stable = now != null && now.equals(previous[0]);
            previous[0] = now == null ? "" : now;
            return stable;
        }, stable -> stable, this::statusesAndLogs);
        Volumes.assertSameContent(alpha.disk(), beta.disk());
    }

    /** "lastSeq" when both nodes are Established with no sync and agree on it; else null. */
    private String quietSnapshot() {
        NodeStatus a = alpha.status();
        NodeStatus b = beta.status();
        if (a == null || b == null || !established(a) || !established(b) || a.lastSeq() != b.lastSeq()) {
            return null;
        }
        return "seq " + a.lastSeq();
    }

    // ------------------------------------------------------------------ files and cleanup

    /** Both daemons' statuses and logs, for failure messages. */
    public String statusesAndLogs() {
        return "alpha status: " + alpha.status() + "\nbeta status: " + beta.status() + "\n" + logs();
    }

    private String logs() {
        return "=== alpha ===\n" + alpha.log() + "=== beta ===\n" + beta.log();
    }

    @Override
    public void close() {
        if (alpha != null) {
            alpha.close();
        }
        if (beta != null) {
            beta.close();
        }
    }

    private void writeFiles() {
        try {
            Files.createDirectories(dir);
            writeSecret(dir.resolve(RESOURCE + ".secret"));
            int[] ports = freeLoopbackPorts(6);
            String yaml = yaml(RESOURCE + ".secret", ports);
            Files.writeString(config(), yaml);
            Path alphaConfig = config();
            Path betaConfig = config();
            if (settings.otherSecretOn() != null) {
                Path own = dir.resolve(RESOURCE + "-" + settings.otherSecretOn() + ".yaml");
                writeSecret(dir.resolve("other.secret"));
                Files.writeString(own, yaml(("other.secret"), ports));
                alphaConfig = settings.otherSecretOn().equals("alpha") ? own : alphaConfig;
                betaConfig = settings.otherSecretOn().equals("beta") ? own : betaConfig;
            }
            alpha = new DaemonNode("alpha", RESOURCE, dir, alphaConfig, ports[0], ports[1], ports[2]);
            beta = new DaemonNode("beta", RESOURCE, dir, betaConfig, ports[3], ports[4], ports[5]);
            if (net != null) {
                alpha.runIn(NetnsPair.exec(net.a));
                beta.runIn(NetnsPair.exec(net.b));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String yaml(String secretFile, int[] ports) {
        StringBuilder y = new StringBuilder();
        y.append("resource: ").append(RESOURCE).append('\n');
        y.append("protocol: ").append(settings.protocol()).append('\n');
        y.append("secret-file: ").append(secretFile).append('\n');
        y.append("size: ").append(settings.size()).append('\n');
        y.append("nodes:\n");
        node(y, "alpha", net == null ? DaemonNode.LOOPBACK : NetnsPair.ADDRESS_A, ports[0], ports[1], ports[2]);
        node(y, "beta", net == null ? DaemonNode.LOOPBACK : NetnsPair.ADDRESS_B, ports[3], ports[4], ports[5]);
        y.append("net:\n");
        y.append("  ping-interval: ").append(settings.pingInterval()).append('\n');
        y.append("  ping-timeout: ").append(settings.pingTimeout()).append('\n');
        y.append("  connect-interval: ").append(settings.connectInterval()).append('\n');
        y.append(settings.netYaml());
        if (settings.journalMaxSize() != null) {
            y.append("journal:\n  max-size: ").append(settings.journalMaxSize()).append('\n');
        }
        if (settings.syncMaxRate() != null) {
            y.append("sync:\n  max-rate: ").append(settings.syncMaxRate()).append('\n');
        }
        y.append(settings.extraYaml());
        return y.toString();
    }

    private static void node(StringBuilder y, String name, String address, int replication, int nbd, int http) {
        y.append("  ").append(name).append(":\n");
        y.append("    replication: ").append(address).append(':').append(replication).append('\n');
        y.append("    nbd: ").append(DaemonNode.LOOPBACK).append(':').append(nbd).append('\n');
        y.append("    disk: ").append(name).append("/disk.img\n");
        y.append("    state-dir: ").append(name).append("/state\n");
        y.append("    control: ").append(name).append("/control.sock\n");
        y.append("    http: ").append(DaemonNode.LOOPBACK).append(':').append(http).append('\n');
    }

    private static void writeSecret(Path file) throws IOException {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, Base64.getEncoder().encodeToString(random) + "\n");
    }

    /** {@code count} distinct TCP ports on 127.0.0.1 that nothing listened on a moment ago (held together while probing). */
    static int[] freeLoopbackPorts(int count) throws IOException {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(DaemonNode.LOOPBACK));
                sockets.add(socket);
                ports[i] = socket.getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket socket : sockets) {
                socket.close();
            }
        }
    }
}
