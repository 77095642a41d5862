package io.replicator.e2e.pair;

import static io.replicator.e2e.Volumes.MIB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.replicator.core.Role;
import io.replicator.e2e.ExternalTool;
import io.replicator.e2e.RawNbdClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A pair on one host: what the Primary's NBD clients write is on the other node, which serves it after
 * a switchover (demote, promote); and the role rules an operator meets (replctl's refusals, the
 * Secondary's NBD refusal, /health and /metrics).
 */
class PairReplicationIT extends PairTestBase {

    private static final long FIO_BYTES = 64 * MIB;

    /** qemu-io patterns above fio's region, with a zeroed range and a discarded one. */
    private static final String[] WRITES = {
        "write -P 0xa1 70M 1M", "write -P 0xb2 80M 3M", "write -P 0xc3 90M 1M", "write -z 90M 256k",
        "write -P 0xd4 100M 512k", "discard 100M 512k"};
    private static final String[] READS = {
        "read -P 0xa1 70M 1M", "read -P 0xb2 80M 3M", "read -P 0 90M 256k", "read -P 0xc3 94633984 768k",
        "read -P 0 100M 512k", "read -P 0 0x7000000 1M"};

    @Test
    void writesOnThePrimaryAreReadBackOnThePeerAfterASwitchover() {
        pair = PairProcesses.start(dir, PairSettings.defaults().size("128MiB"));
        DaemonNode alpha = pair.alpha();
        DaemonNode beta = pair.beta();
        pair.promote(alpha);

        QemuIo.run(alpha, WRITES);
        Fio.Result write = fio(alpha, "write", "--do_verify=1");
        write.assertSuccess();
        assertEquals(FIO_BYTES, write.writeBytes(), write.describe());
        assertEquals(FIO_BYTES, write.readBytes(), "fio verified everything it wrote: " + write.describe());

        pair.demote(alpha);
        pair.promote(beta);
        QemuIo.run(beta, READS);
        Fio.Result verify = fio(beta, "write", "--verify_only=1");
        verify.assertSuccess();
        assertEquals(FIO_BYTES, verify.readBytes(), "fio's verify-only pass on beta read everything: " + verify.describe());

        pair.assertDisksIdentical();
        assertTrue(beta.statusNow().lastSeq() > FIO_BYTES / 4096, "every 4 KiB write has a seq: " + beta.statusNow());

        // a clean stop of each node, Primary first: exit 0, and nothing on the way out looks like a disk failure
        beta.stop();
        alpha.stop();
        for (DaemonNode node : List.of(alpha, beta)) {
            assertFalse(node.log().contains("disk failure"), node.name() + " reported a disk failure while stopping:\n" + node.log());
        }
    }

    @Test
    void aConnectedPrimaryStopsCleanlyAndReturnsInSync() {
        pair = PairProcesses.start(dir, PairSettings.defaults());
        DaemonNode alpha = pair.alpha();
        pair.promote(alpha);
        QemuIo.run(alpha, "write -P 0x3c 0 4M");

        alpha.stop(); // SIGTERM: exit 0
        assertFalse(alpha.log().contains("disk failure"), "alpha reported a disk failure while stopping:\n" + alpha.log());
        assertTrue(alpha.log().contains("] stopped"), alpha.log());
        alpha.start();
        pair.awaitEstablished();
        assertTrue(alpha.currentLog().contains("connected to beta: IN_SYNC"), alpha.currentLog());
        assertEquals(Role.Secondary, alpha.statusNow().role(), "a daemon always starts Secondary");
        pair.assertDisksIdentical();
    }

    @Test
    void rolesAreGuardedAndVisibleToClientsAndMonitoring() {
        pair = PairProcesses.start(dir, PairSettings.defaults());
        DaemonNode alpha = pair.alpha();
        DaemonNode beta = pair.beta();
        pair.promote(alpha);

        assertEquals(200, Http.get(alpha, "/health").code(), "/health on the Primary");
        assertEquals(503, Http.get(beta, "/health").code(), "/health on the Secondary");
        String metrics = Http.get(alpha, "/metrics").body();
        assertTrue(metrics.contains("replicator_role{resource=\"r0\",node=\"alpha\",role=\"Primary\"} 1"), metrics);
        assertTrue(Http.get(beta, "/metrics").body().contains("replicator_role{resource=\"r0\",node=\"beta\",role=\"Secondary\"} 1"));

        // the Secondary refuses NBD clients at the handshake, saying why (libnbd shows the server's text in debug output)
        ExternalTool.Result nbdinfo = ExternalTool.run(ExternalTool.SHORT, Map.of("LIBNBD_DEBUG", "1"),
                List.of("nbdinfo", beta.nbdUri()));
        assertNotEquals(0, nbdinfo.exitCode(), nbdinfo.describe());
        assertTrue(nbdinfo.stderr().contains("volume r0 is Secondary on this node (beta)"), nbdinfo.describe());

        // at most one Primary: beta may not be promoted while alpha is Primary, not even with --force
        ExternalTool.Result promote = pair.replctl(beta, "promote").assertExit(1);
        assertTrue(promote.stderr().contains("alpha is Primary"), promote.describe());
        pair.replctl(beta, "promote", "--force").assertExit(1);
        assertEquals(Role.Secondary, beta.statusNow().role());

        // demote with a client attached is refused; --force disconnects it
        try (RawNbdClient client = RawNbdClient.open(alpha.nbdPort(), PairProcesses.RESOURCE)) {
            pair.await(alpha, "one NBD client", s -> s.nbdClients() == 1);
            ExternalTool.Result demote = pair.replctl(alpha, "demote").assertExit(1);
            assertTrue(demote.stderr().contains("1 NBD client is connected"), demote.describe());
            assertEquals(Role.Primary, alpha.statusNow().role());
            assertEquals(4096, client.read(0, 4096).length, "the client still reads after the refused demote");

            pair.replctl(alpha, "demote", "--force").assertSuccess();
            assertEquals(Role.Secondary, alpha.statusNow().role());
            assertEquals(0, alpha.statusNow().nbdClients());
            client.assertClosedWithoutReply(Duration.ofSeconds(10));
        }
        assertEquals(503, Http.get(alpha, "/health").code(), "/health on the demoted node");

        pair.promote(beta);
        assertEquals(200, Http.get(beta, "/health").code(), "/health on the new Primary");
        pair.assertDisksIdentical();
    }


    /** The same job (seed, size, pattern) for writing and for verifying. */
    private Fio.Result fio(DaemonNode node, String name, String... extra) {
        List<String> args = new ArrayList<>(List.of("--rw=randwrite", "--bs=4k", "--iodepth=16", "--size=64m",
                "--verify=crc32c", "--randseed=1234", "--verify_state_save=0"));
        args.addAll(List.of(extra));
        return Fio.run(dir.resolve("fio"), name, node.nbdUri(), args);
    }
}
