package io.replicator.e2e.pair;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.replicator.control.NodeStatus;
import io.replicator.core.ConnectionState;
import io.replicator.core.Role;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The partition test, over a real network: each daemon in a network namespace of its own, the
 * replication link a veth pair that the test cuts. The Secondary is force-promoted during the partition and
 * both sides write different data; when the link heals, both find the split brain and overwrite nothing;
 * {@code connect --discard-my-data} on one side converges, the disks compare identical, and the loser's
 * data is in its saved file.
 */
class NetnsPartitionIT extends PairTestBase {

    @Test
    void partitionForcePromoteHeal_splitBrainOnBothSides_discardMyDataConverges() throws IOException {
        try (NetnsPair net = NetnsPair.create()) {
            try {
                pair = PairProcesses.startIn(net, dir, PairSettings.defaults());
                DaemonNode alpha = pair.alpha();
                DaemonNode beta = pair.beta();
                pair.promote(alpha);
                write(net.a, alpha, 0x11, 0);
                pair.assertDisksIdentical();

                net.partition();
                pair.await(alpha, "degraded (the link is cut)", NodeStatus::degraded);
                pair.await(beta, "the peer lost", s -> s.connection() == ConnectionState.Connecting);
                write(net.a, alpha, 0xAA, 4);
                pair.replctl(beta, "promote", "--force").assertSuccess();
                pair.await(beta, "Primary and serving", s -> s.role() == Role.Primary && s.serving());
                write(net.b, beta, 0xBB, 8);

                net.heal();
                for (DaemonNode n : new DaemonNode[] {alpha, beta}) {
                    pair.await(n, "split brain found", s -> s.splitBrain() && s.connection() == ConnectionState.StandAlone);
                }
                SplitBrainIT.assertRegion(alpha.disk(), 4, 0xAA);
                SplitBrainIT.assertRegion(alpha.disk(), 8, 0x00);
                SplitBrainIT.assertRegion(beta.disk(), 4, 0x00);
                SplitBrainIT.assertRegion(beta.disk(), 8, 0xBB);

                pair.demote(beta);
                pair.replctl(beta, "connect", "--discard-my-data").assertSuccess();
                pair.replctl(alpha, "connect").assertSuccess();
                pair.awaitEstablished();
                pair.assertDisksIdentical();
                SplitBrainIT.assertRegion(beta.disk(), 4, 0xAA);
                String saved = beta.statusNow().savedDivergence();
                assertNotNull(saved, "beta names the file with its changed blocks");
                SplitBrainIT.assertRegion(Path.of(saved), 8, 0xBB);
                assertTrue(beta.currentLog().contains("split brain: saved "), beta.log());
            } finally {
                if (pair != null) {
                    pair.close(); // the daemons stop before their namespaces go
                }
            }
        }
    }

    /** Writes 1 MiB of {@code pattern} at {@code mib} MiB through the node's export, from inside its namespace. */
    private static void write(String ns, DaemonNode node, int pattern, int mib) {
        NetnsPair.runIn(ns, "qemu-io", "-f", "raw", "-c", "write -P 0x" + Integer.toHexString(pattern) + " " + mib + "M 1M",
                "-c", "flush", node.nbdUri());
    }
}
