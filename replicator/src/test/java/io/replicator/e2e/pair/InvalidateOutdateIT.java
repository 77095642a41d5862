package io.replicator.e2e.pair;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.replicator.core.ConnectionState;
import io.replicator.core.DiskState;
import io.replicator.e2e.ExternalTool;
import org.junit.jupiter.api.Test;

/** {@code replctl invalidate} (a full resync to this node) and {@code replctl outdate} against real daemons. */
class InvalidateOutdateIT extends PairTestBase {

    @Test
    void invalidateResyncsTheWholeDiskFromThePeer() {
        pair = PairProcesses.start(dir, PairSettings.defaults());
        DaemonNode alpha = pair.alpha();
        DaemonNode beta = pair.beta();
        pair.promote(alpha);
        ExternalTool.runOk(ExternalTool.SHORT, "qemu-io", "-f", "raw", "-c", "write -P 0x61 0 4M", "-c", "flush", alpha.nbdUri());
        pair.assertDisksIdentical();

        assertEquals(1, pair.replctl(alpha, "invalidate").exitCode(), "refused on the Primary");
        pair.replctl(beta, "invalidate").assertSuccess();
        pair.awaitEstablished();
        pair.assertDisksIdentical();
        assertTrue(alpha.currentLog().contains("SyncSource: full sync to beta"), alpha.log());
        assertTrue(beta.currentLog().contains("invalidate: this node's data is dropped"), beta.log());
    }

    @Test
    void outdateMarksADisconnectedSecondaryWhichThenRefusesPromotion() {
        pair = PairProcesses.start(dir, PairSettings.defaults());
        DaemonNode alpha = pair.alpha();
        DaemonNode beta = pair.beta();
        pair.promote(alpha);

        assertEquals(1, pair.replctl(beta, "outdate").exitCode(), "refused while connected");
        pair.replctl(beta, "disconnect").assertSuccess();
        pair.await(beta, "StandAlone", s -> s.connection() == ConnectionState.StandAlone);
        pair.replctl(beta, "outdate").assertSuccess();
        assertEquals(DiskState.Outdated, beta.statusNow().disk());
        ExternalTool.Result promote = pair.replctl(beta, "promote");
        assertEquals(1, promote.exitCode(), promote.stderr());
        assertTrue(promote.stderr().contains("Outdated"), promote.stderr());

        pair.replctl(beta, "connect").assertSuccess(); // back in sync with alpha: UpToDate again
        pair.awaitEstablished();
        pair.await(beta, "UpToDate again", s -> s.disk() == DiskState.UpToDate);
    }
}
