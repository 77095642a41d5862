package io.replicator.e2e;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Two servers on one backing file would corrupt it: the second must refuse, until the first is gone. */
@ExtendWith(ServerLogOnFailure.class)
class VolumeLockIT {

    @TempDir
    Path dir;
    NbdServerProcess first;
    NbdServerProcess second;

    @AfterEach
    void closeServers() {
        for (NbdServerProcess server : new NbdServerProcess[] {first, second}) {
            if (server != null) {
                server.close();
            }
        }
    }

    @Test
    void aSecondServerOnTheSameVolumeIsRefusedUntilTheFirstIsKilled() {
        String volume = dir.resolve("vol.img").toString();
        first = NbdServerProcess.start(dir, "--volume", volume, "--size", "16M");

        ExternalTool.Result refused = NbdServerProcess.runExpectingExit(Duration.ofSeconds(30), "--volume", volume);
        assertNotEquals(0, refused.exitCode(), "second server on a volume in use: " + refused.describe());
        assertTrue(refused.stderr().contains(volume), "the refusal names the volume: " + refused.describe());

        first.kill(); // a crash must not leave a stale lock behind
        second = NbdServerProcess.start(dir, "--volume", volume);
        ExternalTool.runOk(ExternalTool.SHORT, "nbdinfo", second.uri());
        second.stop();
    }
}
