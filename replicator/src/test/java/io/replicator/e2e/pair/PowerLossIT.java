package io.replicator.e2e.pair;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.replicator.core.Metadata;
import io.replicator.core.MetadataStore;
import io.replicator.e2e.ExternalTool;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * A power loss under a running pair, as the daemons find it when they start again: both were killed (-9),
 * and the Secondary's metadata says its daemon had the disk open under another boot of the machine. The
 * block the kernel wrote back without the journal page that records it is made by hand: new bytes in the
 * Secondary's backing file, in an extent that was hot. The next sync compares only the extents the
 * activity log held hot (DRBD's activity log), by checksum, and repairs the block; without an activity
 * log it compares the whole disk.
 */
class PowerLossIT extends PairTestBase {

    private static final long EXTENT = 4L << 20;

    @Test
    void aSuspectSecondaryResyncsOnlyTheExtentsItsActivityLogHeldHot() throws IOException {
        DaemonNode alpha = writeThenLosePowerOnBeta(PairSettings.defaults());
        String betaLog = pair.beta().currentLog();
        assertTrue(betaLog.contains("compares 2 extents of 4194304 bytes the activity log held hot"), betaLog);
        String alphaLog = alpha.currentLog();
        assertTrue(alphaLog.contains("suspect disk: 2 hot extents of 4194304 bytes added to the resync"), alphaLog);
        assertTrue(alphaLog.contains("SyncSource: bitmap sync to beta"), alphaLog);
    }

    @Test
    void withoutAnActivityLogTheWholeDiskIsCompared() throws IOException {
        DaemonNode alpha = writeThenLosePowerOnBeta(PairSettings.defaults().extraYaml("activity-log:\n  extents: 0\n"));
        String betaLog = pair.beta().currentLog();
        assertTrue(betaLog.contains("compares the whole disk (no activity log)"), betaLog);
        assertTrue(alpha.currentLog().contains("SyncSource: full sync to beta"), alpha.log());
    }

    /**
     * Writes extents 0 and 2 through alpha, kills both, makes beta's disk look like a power loss left it
     * (another boot; a changed block in extent 2), starts both and waits until the sync has made the disks
     * identical again.
     */
    private DaemonNode writeThenLosePowerOnBeta(PairSettings settings) throws IOException {
        pair = PairProcesses.start(dir, settings);
        DaemonNode alpha = pair.alpha();
        DaemonNode beta = pair.beta();
        pair.promote(alpha);
        ExternalTool.runOk(ExternalTool.SHORT, "qemu-io", "-f", "raw", "-c", "write -P 0x31 0 64k",
                "-c", "write -P 0x32 " + 2 * EXTENT + " 64k", "-c", "flush", alpha.nbdUri());
        pair.assertDisksIdentical();
        alpha.kill9();
        beta.kill9();

        MetadataStore store = new MetadataStore(beta.stateDir());
        Metadata meta = store.load();
        store.store(meta.withBoot("boot-before-the-power-loss", meta.suspect()));
        byte[] writtenBack = new byte[4096];
        Arrays.fill(writtenBack, (byte) 0x77);
        overwrite(beta.disk(), 2 * EXTENT + 8192, writtenBack);

        pair.startBoth();
        pair.awaitEstablished();
        pair.assertDisksIdentical();
        return alpha;
    }

    private static void overwrite(Path file, long offset, byte[] bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                ch.write(b, offset + b.position());
            }
        }
    }
}
