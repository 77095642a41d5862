package io.replicator.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real ext4 on the export (nbdfuse + loop device, no kernel nbd): make it, write files, sync, stop
 * the server cleanly, fsck the backing file, restart and read the files back.
 */
@ExtendWith(ServerLogOnFailure.class)
class Ext4FilesystemIT {

    @TempDir
    Path dir;
    NbdServerProcess server;

    @BeforeEach
    void requireTools() {
        Ext4TestFiles.requireTools();
    }

    @AfterEach
    void closeServer() {
        if (server != null) {
            server.close();
        }
    }

    private NbdServerProcess startServer() {
        return NbdServerProcess.start(dir, "--volume", dir.resolve("vol.img").toString(), "--size", "128M");
    }

    @Test
    void filesSurviveUnmountCleanStopFsckAndRestart() throws IOException {
        server = startServer();
        Map<String, String> written;
        try (FuseLoopMount disk = FuseLoopMount.attach(dir.resolve("first"), server.uri())) {
            disk.mkfsExt4();
            Path mnt = dir.resolve("first/mnt");
            disk.mount(mnt);
            written = Ext4TestFiles.writeAndSync(mnt, 100);
        }
        server.stop();

        ExternalTool.runOk(ExternalTool.LONG, "e2fsck", "-fn", dir.resolve("vol.img").toString());

        server = startServer();
        try (FuseLoopMount disk = FuseLoopMount.attach(dir.resolve("second"), server.uri())) {
            Path mnt = dir.resolve("second/mnt");
            disk.mount(mnt);
            assertEquals(written, Ext4TestFiles.checksums(mnt), "file checksums after a restart");
        }
        server.stop();
    }
}
