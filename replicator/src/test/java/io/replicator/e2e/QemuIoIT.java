package io.replicator.e2e;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Data-path commands through qemu's NBD client: write, read, discard, write-zeroes, unaligned I/O. */
@ExtendWith(ServerLogOnFailure.class)
class QemuIoIT {

    @TempDir
    Path dir;
    NbdServerProcess server;

    @BeforeEach
    void startServer() {
        ExternalTool.require("qemu-io");
        server = NbdServerProcess.start(dir, "--volume", dir.resolve("vol.img").toString(), "--size", "64M");
    }

    @AfterEach
    void closeServer() {
        server.close();
    }

    /** Runs qemu-io commands on the export; fails on a non-zero exit or any pattern mismatch. */
    private ExternalTool.Result qemuIo(String... commands) {
        String[] argv = new String[3 + 2 * commands.length + 1];
        argv[0] = "qemu-io";
        argv[1] = "-f";
        argv[2] = "raw";
        for (int i = 0; i < commands.length; i++) {
            argv[3 + 2 * i] = "-c";
            argv[4 + 2 * i] = commands[i];
        }
        argv[argv.length - 1] = server.uri();
        ExternalTool.Result result = ExternalTool.runOk(ExternalTool.SHORT, argv);
        assertFalse(result.stdout().contains("failed") || result.stderr().contains("failed"), result.describe());
        return result;
    }

    @Test
    void writtenPatternReadsBack() {
        qemuIo("write -P 0xab 0 1M", "read -P 0xab 0 1M");
        qemuIo("read -P 0xab 0 1M", "read -P 0 1M 1M"); // a second connection sees it; the rest is zero
    }

    @Test
    void discardedRangeReadsZero() {
        qemuIo("write -P 0xab 0 1M");
        qemuIo("discard 0 64k");
        qemuIo("read -P 0 0 64k", "read -P 0xab 64k 960k");
    }

    @Test
    void writeZeroesRangeReadsZero() {
        qemuIo("write -P 0xcd 1M 256k");
        qemuIo("write -z 1088k 64k");
        qemuIo("read -P 0xcd 1M 64k", "read -P 0 1088k 64k", "read -P 0xcd 1152k 128k");
    }

    @Test
    void unalignedWritesKeepTheirNeighbours() {
        qemuIo("write -P 0x11 2M 64k");
        qemuIo("write -P 0x5a 2097665 1000"); // 2M + 513, 1000 bytes: inside one 4 KiB block, across 512 B sectors
        qemuIo("write -P 0x6b 2101247 4099"); // 2M + 4095, 4099 bytes: spans three 4 KiB blocks
        qemuIo("read -P 0x11 2M 513", "read -P 0x5a 2097665 1000", "read -P 0x11 2098665 2582",
                "read -P 0x6b 2101247 4099", "read -P 0x11 2105346 57342");
    }

    @Test
    void writeAtTheVeryEndOfTheExport() {
        qemuIo("write -P 0x77 67108863 1", "read -P 0x77 67108863 1", "read -P 0 67108352 511");
    }
}
