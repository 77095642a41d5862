package io.replicator.e2e;

import static io.replicator.e2e.Volumes.KIB;
import static io.replicator.e2e.Volumes.MIB;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
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

    /** Relative path to size; odd sizes on purpose. */
    private static final Map<String, Long> FILES = new LinkedHashMap<>();

    static {
        FILES.put("a.bin", 3 * MIB);
        FILES.put("b.bin", 5 * MIB + 123);
        FILES.put("dir/c.bin", 700 * KIB + 1);
        FILES.put("dir/small.txt", 7L);
    }

    @TempDir
    Path dir;
    NbdServerProcess server;

    @BeforeEach
    void requireTools() {
        for (String tool : new String[] {"mkfs.ext4", "e2fsck", "nbdfuse", "losetup", "fusermount3"}) {
            ExternalTool.require(tool);
        }
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
        Map<String, String> written = new LinkedHashMap<>();
        try (FuseLoopMount disk = FuseLoopMount.attach(dir.resolve("first"), server.uri())) {
            disk.mkfsExt4();
            Path mnt = dir.resolve("first/mnt");
            disk.mount(mnt);
            long seed = 100;
            for (Map.Entry<String, Long> file : FILES.entrySet()) {
                Path path = mnt.resolve(file.getKey());
                Files.createDirectories(path.getParent());
                Volumes.writeRandom(path, 0, file.getValue(), seed++);
                written.put(file.getKey(), Volumes.sha256(path));
            }
            ExternalTool.runOk(ExternalTool.LONG, "sync");
        }
        server.stop();

        ExternalTool.runOk(ExternalTool.LONG, "e2fsck", "-fn", dir.resolve("vol.img").toString());

        server = startServer();
        try (FuseLoopMount disk = FuseLoopMount.attach(dir.resolve("second"), server.uri())) {
            Path mnt = dir.resolve("second/mnt");
            disk.mount(mnt);
            Map<String, String> read = new LinkedHashMap<>();
            for (String name : FILES.keySet()) {
                read.put(name, Volumes.sha256(mnt.resolve(name)));
            }
            assertEquals(written, read, "file checksums after a restart");
        }
        server.stop();
    }
}
