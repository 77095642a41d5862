package io.replicator.e2e.pair;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.replicator.core.ConnectionState;
import io.replicator.core.Role;
import io.replicator.e2e.Ext4TestFiles;
import io.replicator.e2e.ExternalTool;
import io.replicator.e2e.FuseLoopMount;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seed scenario: an ext4 filesystem on the Primary's export (nbdfuse + loop device), files written
 * and synced, then the Primary daemon is SIGKILLed with the filesystem still mounted. The Secondary is
 * promoted; there the filesystem mounts (replaying its journal), every synced file has its checksum, and
 * after a clean unmount {@code e2fsck -fn} finds nothing to fix.
 */
@ExtendWith(PairLogOnFailure.class)
class Ext4FailoverIT {

    @TempDir
    Path dir;
    PairProcesses pair;
    FuseLoopMount onAlpha;
    FuseLoopMount onBeta;

    @BeforeEach
    void requireTools() {
        Ext4TestFiles.requireTools();
    }

    @AfterEach
    void cleanUp() {
        try {
            if (onBeta != null) {
                onBeta.close();
            }
            if (onAlpha != null) {
                if (pair != null && pair.alpha().isAlive()) {
                    onAlpha.close();
                } else {
                    onAlpha.detachLazily();
                }
            }
        } finally {
            if (pair != null) {
                pair.close();
            }
        }
    }

    @Test
    void syncedFilesSurviveASigkillOfThePrimaryUnderAMountedFilesystem() throws IOException {
        pair = PairProcesses.start(dir.resolve("pair"), PairSettings.defaults().size("128MiB").pings("500ms", "2s"));
        DaemonNode alpha = pair.alpha();
        DaemonNode beta = pair.beta();
        pair.promote(alpha);

        onAlpha = FuseLoopMount.attach(dir.resolve("on-alpha"), alpha.nbdUri());
        onAlpha.mkfsExt4();
        Path mnt = dir.resolve("on-alpha/mnt");
        onAlpha.mount(mnt);
        Map<String, String> written = Ext4TestFiles.writeAndSync(mnt, 7);

        // the crash, with the filesystem mounted; its layers on this host then go lazily
        assertEquals(137, alpha.kill9());
        onAlpha.detachLazily();
        onAlpha = null;

        pair.await(beta, "the link to alpha down", s -> s.connection() != ConnectionState.Connected && s.peer().role() == Role.Unknown);
        pair.promote(beta);
        onBeta = FuseLoopMount.attach(dir.resolve("on-beta"), beta.nbdUri());
        Path mnt2 = dir.resolve("on-beta/mnt");
        onBeta.mount(mnt2);
        assertEquals(written, Ext4TestFiles.checksums(mnt2), "checksums of the synced files on the new Primary");
        onBeta.unmount();
        ExternalTool.runOk(ExternalTool.LONG, "e2fsck", "-fn", onBeta.device());
    }
}
