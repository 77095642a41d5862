package io.replicator.e2e;

import static io.replicator.e2e.Volumes.MIB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** qemu-img info, convert in and out of the export, and compare. */
@ExtendWith(ServerLogOnFailure.class)
class QemuImgIT {

    private static final long SIZE_BYTES = 64 * MIB;

    @TempDir
    Path dir;
    NbdServerProcess server;

    @BeforeEach
    void startServer() {
        ExternalTool.require("qemu-img");
        server = NbdServerProcess.start(dir, "--volume", dir.resolve("vol.img").toString(), "--size", "64M");
    }

    @AfterEach
    void closeServer() {
        server.close();
    }

    @Test
    void infoReportsTheVirtualSize() {
        ExternalTool.Result info = ExternalTool.runOk(ExternalTool.SHORT,
                "qemu-img", "info", "--output=json", "-f", "raw", server.uri());
        assertEquals(SIZE_BYTES, Json.longAt(Json.parse(info.stdout()), "virtual-size"), info.describe());
    }

    @Test
    void convertInAndOutIsLossless() {
        Path source = localImageWithData();
        ExternalTool.runOk(ExternalTool.LONG, "qemu-img", "convert", "-n", "-f", "raw", "-O", "raw",
                source.toString(), server.uri());
        Path copy = dir.resolve("copy.img");
        ExternalTool.runOk(ExternalTool.LONG, "qemu-img", "convert", "-f", "raw", "-O", "raw",
                server.uri(), copy.toString());
        Volumes.assertSameContent(source, copy);
    }

    @Test
    void compareFindsEqualityBothWaysAndADifference() {
        Path source = localImageWithData();
        ExternalTool.runOk(ExternalTool.LONG, "qemu-img", "convert", "-n", "-f", "raw", "-O", "raw",
                source.toString(), server.uri());
        ExternalTool.runOk(ExternalTool.LONG, "qemu-img", "compare", "-f", "raw", "-F", "raw", source.toString(), server.uri());
        ExternalTool.runOk(ExternalTool.LONG, "qemu-img", "compare", "-f", "raw", "-F", "raw", server.uri(), source.toString());

        // One byte changed inside a former hole, far from the random data.
        ExternalTool.runOk(ExternalTool.SHORT, "qemu-io", "-f", "raw", "-c", "write -P 0x01 40000001 1", server.uri());
        ExternalTool.Result differ = ExternalTool.run(ExternalTool.LONG,
                "qemu-img", "compare", "-f", "raw", "-F", "raw", source.toString(), server.uri());
        assertEquals(1, differ.exitCode(), "qemu-img compare exit code for different images: " + differ.describe());
        assertTrue(differ.stdout().contains("Content mismatch at offset"), differ.describe());
    }

    /** A 64 MiB sparse file with random data at 0 and at 17 MiB + 123 (unaligned), holes elsewhere. */
    private Path localImageWithData() {
        Path source = Volumes.createSparse(dir.resolve("source.img"), SIZE_BYTES);
        Volumes.writeRandom(source, 0, 3 * MIB, 1);
        Volumes.writeRandom(source, 17 * MIB + 123, 5 * MIB, 2);
        return source;
    }
}
