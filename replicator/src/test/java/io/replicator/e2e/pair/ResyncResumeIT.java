package io.replicator.e2e.pair;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.replicator.control.NodeStatus;
import io.replicator.core.SyncKind;
import io.replicator.e2e.ExternalTool;
import java.io.IOException;
import java.nio.file.Files;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A full sync cut short by a kill -9 of either node resumes where it stopped when the node comes back (the
 * source's bitmap keeps what is left, the target took the source's generation at the start), and ends with
 * identical disks.
 */
class ResyncResumeIT extends PairTestBase {
    private static final Pattern BYTES_OUT_OF_SYNC = Pattern.compile("SyncSource: (\\w+) sync to beta from seq \\d+ \\((\\d+) bytes out of sync\\)");

    @Test
    void theTargetKilledMidSyncResumes() throws IOException {
        DaemonNode alpha = startFullSync();
        DaemonNode beta = pair.beta();
        long total = awaitPartlySynced(alpha);
        beta.kill9();
        beta.start();
        assertResumed(alpha, total);
    }

    @Test
    void theSourceKilledMidSyncResumes() throws IOException {
        DaemonNode alpha = startFullSync();
        long total = awaitPartlySynced(alpha);
        alpha.kill9();
        alpha.start(); // back as Secondary: still the source, beta's disk is Inconsistent
        assertResumed(alpha, total);
    }

    /** 24 MiB written on alpha, then beta's disk replaced by a new one: a full sync at 8 MiB/s begins. */
    private DaemonNode startFullSync() throws IOException {
        pair = PairProcesses.start(dir, PairSettings.defaults().syncMaxRate("8MiB"));
        DaemonNode alpha = pair.alpha();
        DaemonNode beta = pair.beta();
        pair.promote(alpha);
        ExternalTool.runOk(ExternalTool.LONG, "qemu-io", "-f", "raw", "-c", "write -P 0x21 0 8M", "-c", "write -P 0x22 16M 8M",
                "-c", "write -P 0x23 40M 8M", "-c", "flush", alpha.nbdUri());
        beta.stop();
        Files.delete(beta.disk());
        PeerAwayIT.deleteTree(beta.stateDir());
        pair.demote(alpha); // so that the source can also be killed and come back without a promotion
        beta.start();
        return alpha;
    }

    /** Waits until a quarter of the full sync is done; returns the bytes it started with. */
    private long awaitPartlySynced(DaemonNode alpha) {
        pair.await(alpha, "a full sync a quarter done", s -> s.syncKind() == SyncKind.full && s.syncProgress() != null
                && s.syncProgress() >= 0.25);
        return firstOutOfSync(alpha.currentLog(), "full");
    }

    private void assertResumed(DaemonNode alpha, long total) {
        pair.awaitEstablished();
        pair.assertDisksIdentical();
        String log = alpha.currentLog();
        Matcher m = BYTES_OUT_OF_SYNC.matcher(log);
        String last = null;
        long left = -1;
        while (m.find()) {
            last = m.group(1);
            left = Long.parseLong(m.group(2));
        }
        assertTrue("bitmap".equals(last) && left >= 0 && left < total, "the second sync should resume from alpha's bitmap with"
                + " less than the " + total + " bytes the first began with (last: " + last + ", " + left + " bytes)\n" + alpha.log());
        NodeStatus beta = pair.beta().statusNow();
        assertTrue(beta.disk().toString().equals("UpToDate"), beta.toString());
    }

    private static long firstOutOfSync(String log, String kind) {
        Matcher m = BYTES_OUT_OF_SYNC.matcher(log);
        while (m.find()) {
            if (m.group(1).equals(kind)) {
                return Long.parseLong(m.group(2));
            }
        }
        throw new AssertionError("no " + kind + " sync in the log:\n" + log);
    }
}
