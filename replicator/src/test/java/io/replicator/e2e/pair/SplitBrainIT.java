package io.replicator.e2e.pair;

import static io.replicator.e2e.Volumes.MIB;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.replicator.control.NodeStatus;
import io.replicator.core.ConnectionState;
import io.replicator.core.Role;
import io.replicator.e2e.ExternalTool;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Both nodes write as Primary while they cannot reach each other (the link cut on both sides with
 * {@code replctl disconnect}; the network-namespace variant cuts a real link), then meet again: the
 * split brain is found on both sides and nothing is overwritten until the operator picks the victim, or
 * an opted-in policy does. The victim's changed blocks survive in its saved-divergence file.
 */
class SplitBrainIT extends PairTestBase {

    @Test
    void bothWroteAsPrimary_detectedOnBothSides_discardMyDataConverges() throws IOException {
        Path handlerOut = dir.resolve("split-brain-handler.out");
        startPartitioned("split-brain:\n  handler: echo \"$REPLICATOR_NODE $REPLICATOR_PEER $REPLICATOR_RESOURCE\" >> "
                + handlerOut + "\n");
        DaemonNode alpha = pair.alpha();
        DaemonNode beta = pair.beta();
        write(alpha, 0xAA, 4); // the Primary goes on alone
        pair.replctl(beta, "promote", "--force").assertSuccess();
        pair.await(beta, "Primary and serving", s -> s.role() == Role.Primary && s.serving());
        write(beta, 0xBB, 8); // and so does the Secondary the operator promoted

        heal(alpha, beta);
        for (DaemonNode n : new DaemonNode[] {alpha, beta}) {
            NodeStatus s = pair.await(n, "split brain found", x -> x.splitBrain() && x.connection() == ConnectionState.StandAlone);
            assertTrue(s.lastError().contains("SPLIT_BRAIN"), n + ": " + s.lastError());
            pair.awaitLog(n, "going StandAlone: SPLIT_BRAIN");
        }
        // nothing was overwritten: each disk still holds its own writes and not the other's
        assertRegion(alpha.disk(), 4, 0xAA);
        assertRegion(alpha.disk(), 8, 0x00);
        assertRegion(beta.disk(), 4, 0x00);
        assertRegion(beta.disk(), 8, 0xBB);
        Await.until("the split-brain handler to run on both nodes", PairProcesses.WAIT,
                () -> readIfExists(handlerOut),
                out -> out.contains("alpha beta r0") && out.contains("beta alpha r0"), pair::statusesAndLogs);
        String metrics = Http.get(beta, "/metrics").body();
        assertTrue(metrics.contains("replicator_split_brain{resource=\"r0\",node=\"beta\"} 1"), metrics);

        // the operator picks beta as the victim
        pair.demote(beta);
        pair.replctl(beta, "connect", "--discard-my-data").assertSuccess();
        pair.replctl(alpha, "connect").assertSuccess();
        pair.awaitEstablished();
        pair.assertDisksIdentical();
        assertRegion(beta.disk(), 4, 0xAA);
        assertRegion(beta.disk(), 8, 0x00);

        NodeStatus s = beta.statusNow();
        assertFalse(s.splitBrain(), "resolved");
        assertNotNull(s.savedDivergence(), "beta names the file with its changed blocks");
        Path saved = Path.of(s.savedDivergence());
        assertTrue(saved.startsWith(beta.stateDir()), saved.toString());
        assertRegion(saved, 8, 0xBB); // what beta wrote alone can still be recovered
        assertTrue(beta.currentLog().contains("split brain: saved "), beta.log());
    }

    @Test
    void anOptedInPolicyDiscardsTheSideWithoutChanges() throws IOException {
        startPartitioned("split-brain:\n  after-sb-0pri: discard-zero-changes\n");
        DaemonNode alpha = pair.alpha();
        DaemonNode beta = pair.beta();
        write(alpha, 0xAA, 4);
        pair.demote(alpha);
        pair.replctl(beta, "promote").assertSuccess(); // a new generation on beta, but no write
        pair.demote(beta);

        heal(alpha, beta);
        pair.awaitEstablished();
        pair.assertDisksIdentical();
        assertRegion(beta.disk(), 4, 0xAA);
        assertTrue(beta.currentLog().contains("resolved by split-brain policy"), beta.log());
    }

    /** A pair with {@code yaml} added, alpha Primary with 1 MiB replicated, then the link cut on both sides. */
    private void startPartitioned(String yaml) {
        pair = PairProcesses.start(dir, PairSettings.defaults().extraYaml(yaml));
        pair.promote(pair.alpha());
        write(pair.alpha(), 0x11, 0);
        pair.assertDisksIdentical();
        partition();
    }

    private void partition() {
        pair.replctl(pair.alpha(), "disconnect").assertSuccess();
        pair.replctl(pair.beta(), "disconnect").assertSuccess();
        for (DaemonNode n : new DaemonNode[] {pair.alpha(), pair.beta()}) {
            pair.await(n, "StandAlone", s -> s.connection() == ConnectionState.StandAlone);
        }
    }

    private void heal(DaemonNode alpha, DaemonNode beta) {
        pair.replctl(alpha, "connect").assertSuccess();
        pair.replctl(beta, "connect").assertSuccess();
    }

    /** Writes 1 MiB of {@code pattern} at {@code mib} MiB through the node's NBD export. */
    private static void write(DaemonNode node, int pattern, int mib) {
        ExternalTool.runOk(ExternalTool.SHORT, "qemu-io", "-f", "raw", "-c",
                "write -P 0x" + Integer.toHexString(pattern) + " " + mib + "M 1M", "-c", "flush", node.nbdUri());
    }

    private static String readIfExists(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static void assertRegion(Path file, int mib, int pattern) throws IOException {
        byte[] got = new byte[(int) MIB];
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            raf.seek(mib * MIB);
            raf.readFully(got);
        }
        byte[] want = new byte[(int) MIB];
        Arrays.fill(want, (byte) pattern);
        assertArrayEquals(want, got, file + " at " + mib + " MiB should hold 0x" + Integer.toHexString(pattern));
    }
}
