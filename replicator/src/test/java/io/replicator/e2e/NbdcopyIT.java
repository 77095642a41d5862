package io.replicator.e2e;

import static io.replicator.e2e.Volumes.MIB;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** nbdcopy over four connections (multi-conn) into the export and back out, byte for byte. */
@ExtendWith(ServerLogOnFailure.class)
class NbdcopyIT {

    private static final long SIZE_BYTES = 64 * MIB;

    @TempDir
    Path dir;
    NbdServerProcess server;

    @BeforeEach
    void startServer() {
        ExternalTool.require("nbdcopy");
        server = NbdServerProcess.start(dir, "--volume", dir.resolve("vol.img").toString(), "--size", "64M");
    }

    @AfterEach
    void closeServer() {
        server.close();
    }

    @Test
    void copyInAndOutWithFourConnectionsIsByteIdenticalAndKeepsHolesZero() {
        // Stale data where the source has holes: nbdcopy must zero it (write-zeroes or trim).
        ExternalTool.runOk(ExternalTool.SHORT, "qemu-io", "-f", "raw",
                "-c", "write -P 0xff 8M 4M", "-c", "write -P 0xee 60M 4M", server.uri());
        Path source = Volumes.createSparse(dir.resolve("source.img"), SIZE_BYTES);
        Volumes.writeRandom(source, 0, 4 * MIB, 11);
        Volumes.writeRandom(source, 20 * MIB + 4097, 6 * MIB, 12);
        Volumes.writeRandom(source, SIZE_BYTES - MIB, MIB, 13);

        ExternalTool.runOk(ExternalTool.LONG, "nbdcopy", "--connections", "4", source.toString(), server.uri());
        Path copy = dir.resolve("copy.img");
        ExternalTool.runOk(ExternalTool.LONG, "nbdcopy", "--connections", "4", server.uri(), copy.toString());

        Volumes.assertSameContent(source, copy);
        Volumes.assertFilled(copy, 8 * MIB, 4 * MIB, 0);
        Volumes.assertFilled(copy, 60 * MIB, 3 * MIB, 0);
        server.stop(); // and the server's own file holds the same bytes
        Volumes.assertSameContent(source, dir.resolve("vol.img"));
    }
}
