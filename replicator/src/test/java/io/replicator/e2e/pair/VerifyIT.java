package io.replicator.e2e.pair;

import static io.replicator.e2e.Volumes.MIB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.replicator.control.NodeStatus;
import io.replicator.e2e.ExternalTool;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Online verify between two real daemons: a block corrupted by hand in the Secondary's backing file is
 * found (status, metrics, log) while the volume is in use, and {@code verify --repair} rewrites it from the
 * Primary's copy so that the two files compare identical again.
 */
class VerifyIT extends PairTestBase {

    @Test
    void verifyFindsABlockCorruptedByHandAndRepairFixesIt() throws IOException {
        pair = PairProcesses.start(dir, PairSettings.defaults());
        DaemonNode alpha = pair.alpha();
        DaemonNode beta = pair.beta();
        pair.promote(alpha);
        ExternalTool.runOk(ExternalTool.SHORT, "qemu-io", "-f", "raw", "-c", "write -P 0x5a 0 8M", "-c", "flush", alpha.nbdUri());
        pair.assertDisksIdentical();

        long corrupted = 5 * MIB + 12_345;
        flipByte(beta, corrupted);

        pair.replctl(alpha, "verify").assertSuccess();
        NodeStatus.Verify found = awaitVerified(alpha);
        assertEquals(1, found.outOfSyncRegions(), found.toString());
        long regionBytes = found.outOfSyncBytes();
        long regionStart = corrupted / regionBytes * regionBytes;
        assertEquals(List.of(regionStart + "+" + regionBytes), found.ranges());
        assertTrue(Http.get(alpha, "/metrics").body().contains("replicator_verify_out_of_sync_bytes{resource=\"r0\",node=\"alpha\"} "
                + regionBytes), "metrics");
        assertTrue(alpha.currentLog().contains("verify done: 1 regions (" + regionBytes + " bytes) differed"), alpha.log());
        assertTrue(pair.replctl(alpha, "status").stdout().contains("verify: done  out-of-sync:"), "status");
        assertEquals(1, pair.replctl(beta, "verify").exitCode(), "refused on the Secondary");

        pair.replctl(alpha, "verify", "--repair").assertSuccess();
        NodeStatus.Verify repaired = awaitVerified(alpha);
        assertEquals(1, repaired.outOfSyncRegions(), repaired.toString());
        assertEquals(1, repaired.repairedRegions(), repaired.toString());
        pair.assertDisksIdentical();

        pair.replctl(alpha, "verify").assertSuccess();
        assertEquals(0, awaitVerified(alpha).outOfSyncRegions(), "after the repair");
    }

    private NodeStatus.Verify awaitVerified(DaemonNode node) {
        return pair.await(node, "a verify to finish", s -> s.verify() != null && !s.verify().running()).verify();
    }

    /** Flips one bit of the byte at {@code offset} in the node's backing file, behind the daemon's back. */
    private static void flipByte(DaemonNode node, long offset) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(node.disk().toFile(), "rw")) {
            raf.seek(offset);
            int b = raf.read();
            raf.seek(offset);
            raf.write(b ^ 0x01);
            raf.getFD().sync();
        }
    }
}
