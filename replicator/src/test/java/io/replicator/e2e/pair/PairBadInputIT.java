package io.replicator.e2e.pair;

import static io.replicator.e2e.Volumes.MIB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.replicator.control.NodeStatus;
import io.replicator.core.ConnectionState;
import io.replicator.core.Role;
import io.replicator.e2e.ExternalTool;
import io.replicator.e2e.Volumes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * What a pair does with bad input from outside: a peer with another secret, a second daemon for the
 * same node, a broken resource file, and bytes on the replication port that are not frames.
 */
class PairBadInputIT extends PairTestBase {

    private static final String AUTH_FAILED = "failed authentication";
    private static final String MALFORMED = "malformed data from";
    private static final int HELLO = 0x01;
    private static final int WRITE = 0x10;

    @Test
    void nodesWithDifferentSecretsNeverConnect() {
        pair = PairProcesses.create(dir, PairSettings.defaults().otherSecretOn("beta"));
        pair.startBoth();
        DaemonNode alpha = pair.alpha();
        DaemonNode beta = pair.beta();
        // alpha dials again every 250 ms: wait for a second refusal on each side, never connected meanwhile
        Await.until("both nodes to log \"" + AUTH_FAILED + "\" twice", PairProcesses.WAIT, () -> {
            for (DaemonNode node : List.of(alpha, beta)) {
                NodeStatus s = node.statusNow();
                assertNotEquals(ConnectionState.Connected, s.connection(), node.name() + " connected despite another secret");
            }
            return count(alpha.log(), AUTH_FAILED) >= 2 && count(beta.log(), AUTH_FAILED) >= 2;
        }, done -> done, pair::statusesAndLogs);
        String betaDisk = Volumes.sha256(beta.disk());

        // alpha, alone, may be forced Primary and written; none of it reaches beta
        pair.replctl(alpha, "promote", "--force").assertSuccess();
        ExternalTool.runOk(ExternalTool.SHORT, "qemu-io", "-f", "raw", "-c", "write -P 0x66 0 4M", alpha.nbdUri());
        int failuresSoFar = count(beta.log(), AUTH_FAILED);
        Await.until("another refused attempt after the writes", PairProcesses.WAIT, () -> count(beta.log(), AUTH_FAILED),
                n -> n > failuresSoFar, pair::statusesAndLogs);
        NodeStatus b = beta.statusNow();
        assertNotEquals(ConnectionState.Connected, b.connection());
        assertEquals(0, b.lastSeq(), "beta received nothing: " + b);
        assertEquals(betaDisk, Volumes.sha256(beta.disk()), "beta's disk changed");
        Volumes.assertFilled(beta.disk(), 0, 4 * MIB, 0);
    }

    @Test
    void aSecondDaemonForTheSameNodeFailsFastAndTheFirstKeepsWorking() {
        pair = PairProcesses.start(dir, PairSettings.defaults());
        DaemonNode alpha = pair.alpha();
        ExternalTool.Result second = ExternalTool.run(Duration.ofSeconds(60), Map.of(), alpha.command());
        assertNotEquals(0, second.exitCode(), second.describe());
        assertTrue(second.stderr().contains("is in use by another replicator daemon"), second.describe());

        assertTrue(PairProcesses.established(alpha.statusNow()), "the first daemon is still connected: " + alpha.statusNow());
        pair.promote(alpha);
        ExternalTool.runOk(ExternalTool.SHORT, "qemu-io", "-f", "raw", "-c", "write -P 0x67 1M 2M", alpha.nbdUri());
        pair.assertDisksIdentical();
        Volumes.assertFilled(pair.beta().disk(), MIB, 2 * MIB, 0x67);
    }

    @Test
    void aBrokenResourceFileIsRefusedBeforeAnythingIsCreated() throws IOException {
        PairProcesses broken = PairProcesses.create(dir.resolve("broken"), PairSettings.defaults().extraYaml("protocl: C\n"));
        List<Path> before = listing(broken.dir());
        ExternalTool.Result result = ExternalTool.run(Duration.ofSeconds(60), Map.of(), broken.alpha().command());
        assertNotEquals(0, result.exitCode(), result.describe());
        assertTrue(result.stderr().contains(broken.config() + ": protocl: unknown key"), result.describe());
        assertEquals(before, listing(broken.dir()), "files created by a daemon that refused its configuration");

        // and replctl, for a daemon that is not running, says so with exit 3
        PairProcesses idle = PairProcesses.create(dir.resolve("idle"), PairSettings.defaults());
        ExternalTool.Result status = idle.replctl(idle.alpha(), "status").assertExit(3);
        assertTrue(status.stderr().contains("cannot reach the daemon of r0 on node alpha"), status.describe());
    }

    @Test
    void malformedFramesOnTheReplicationPortAreDroppedWithTheirConnection() {
        pair = PairProcesses.start(dir, PairSettings.defaults());
        DaemonNode alpha = pair.alpha();
        DaemonNode beta = pair.beta();
        pair.promote(alpha);
        ExternalTool.runOk(ExternalTool.SHORT, "qemu-io", "-f", "raw", "-c", "write -P 0x68 0 1M", alpha.nbdUri());
        pair.assertDisksIdentical();
        String disk = Volumes.sha256(beta.disk());
        long lastSeq = beta.statusNow().lastSeq();

        byte[] garbage = new byte[4096];
        new Random(1).nextBytes(garbage);
        byte[] body = "not a hello".getBytes(StandardCharsets.US_ASCII);
        Map<String, byte[]> inputs = Map.of(
                "random bytes", garbage,
                "a Hello frame with a bad CRC", RawLinkClient.frame(HELLO, body, 0x5a5a5a5a),
                "a Write frame header claiming 64 MiB (no body follows)", RawLinkClient.header(WRITE, 64 << 20));
        for (Map.Entry<String, byte[]> input : inputs.entrySet()) {
            int malformedBefore = count(beta.log(), MALFORMED);
            try (RawLinkClient client = RawLinkClient.connect(beta.replicationPort())) {
                client.send(input.getValue());
                client.assertClosedByPeer(Duration.ofSeconds(10));
            }
            Await.until("beta to log " + input.getKey(), PairProcesses.WAIT, () -> count(beta.log(), MALFORMED),
                    n -> n > malformedBefore, pair::statusesAndLogs);
            NodeStatus b = beta.statusNow();
            assertTrue(PairProcesses.established(b), input.getKey() + ": beta still Established with alpha: " + b);
            assertEquals(lastSeq, b.lastSeq(), input.getKey() + ": beta's journal changed");
            assertEquals(disk, Volumes.sha256(beta.disk()), input.getKey() + ": beta's disk changed");
        }
        assertFalse(beta.log().contains("disk failure"), beta.log());
        assertEquals(Role.Primary, alpha.statusNow().role());
        ExternalTool.runOk(ExternalTool.SHORT, "qemu-io", "-f", "raw", "-c", "write -P 0x69 2M 1M", alpha.nbdUri());
        pair.assertDisksIdentical();
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1)) {
            n++;
        }
        return n;
    }

    private static List<Path> listing(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            return paths.map(root::relativize).sorted().toList();
        }
    }
}
