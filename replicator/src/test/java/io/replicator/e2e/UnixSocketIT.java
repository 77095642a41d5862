package io.replicator.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** A server listening only on a Unix domain socket ({@code --listen unix:PATH}). */
@ExtendWith(ServerLogOnFailure.class)
class UnixSocketIT {

    @TempDir
    Path dir;
    NbdServerProcess server;

    @AfterEach
    void closeServer() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void nbdinfoAndQemuIoOverAUnixSocket() {
        Path socket = dir.resolve("nbd.sock");
        server = NbdServerProcess.startWithoutTcp(dir,
                "--volume", dir.resolve("vol.img").toString(), "--size", "64M", "--listen", "unix:" + socket);
        String uri = "nbd+unix:///volume?socket=" + socket;

        ExternalTool.Result info = ExternalTool.runOk(ExternalTool.SHORT, "nbdinfo", "--json", uri);
        assertEquals(64 * Volumes.MIB, Json.longAt(Json.parse(info.stdout()), "exports", 0, "export-size"), info.describe());

        ExternalTool.runOk(ExternalTool.SHORT, "qemu-io", "-f", "raw", "-c", "write -P 0x9e 1M 128k", uri);
        ExternalTool.runOk(ExternalTool.SHORT, "qemu-io", "-f", "raw", "-c", "read -P 0x9e 1M 128k", "-c", "read -P 0 0 1M", uri);
        server.stop();
        assertFalse(Files.exists(socket), "a clean stop removes the socket file");
        Volumes.assertFilled(dir.resolve("vol.img"), Volumes.MIB, 128 * Volumes.KIB, 0x9e);
    }
}
