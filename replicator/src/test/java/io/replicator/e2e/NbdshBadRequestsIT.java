package io.replicator.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Requests a well-behaved client never sends, through libnbd with its own checks off
 * ({@code set_strict_mode(0)}): each must get the errno the NBD specification names, and the
 * connection must keep working (every case ends with a good read on the same connection).
 *
 * <p>Requests libnbd cannot send at all (unknown commands, unknown flags, bad magic, an oversize
 * header) are in {@link RawBadRequestsIT}. The servers are shared by the class: bad requests must
 * not change any state, and {@link #serversSurvived()} checks after each test that none died.
 */
@ExtendWith(ServerLogOnFailure.class)
class NbdshBadRequestsIT {

    @TempDir
    static Path dir;
    static NbdServerProcess writable;
    static NbdServerProcess readOnly;
    static NbdServerProcess aligned;

    @BeforeAll
    static void startServers() {
        ExternalTool.require(ExternalTool.NBD_PYTHON);
        writable = NbdServerProcess.start(dir, "--volume", dir.resolve("rw.img").toString(), "--size", "64M");
        Path ro = Volumes.createSparse(dir.resolve("ro.img"), 16 * Volumes.MIB);
        readOnly = NbdServerProcess.start(dir, "--volume", ro.toString(), "--read-only");
        aligned = NbdServerProcess.start(dir, "--volume", dir.resolve("aligned.img").toString(), "--size", "16M",
                "--min-block-size", "512");
    }

    @AfterEach
    void serversSurvived() {
        writable.assertAlive();
        readOnly.assertAlive();
        aligned.assertAlive();
    }

    @AfterAll
    static void closeServers() {
        for (NbdServerProcess server : new NbdServerProcess[] {writable, readOnly, aligned}) {
            if (server != null) {
                server.close();
            }
        }
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "h.pread(512, size)                      | EINVAL",
            "h.pread(1024, size - 512)               | EINVAL",
            "h.trim(512, size)                       | EINVAL",
            "h.cache(512, size)                      | EINVAL",
            "h.block_status(512, size, lambda *a: 0) | EINVAL",
            "h.pwrite(b'x' * 512, size)              | ENOSPC",
            "h.pwrite(b'x' * 1024, size - 512)       | ENOSPC",
            "h.zero(512, size)                       | ENOSPC",
    })
    void pastTheEnd(String statement, String errno) {
        assertEquals(errno, Nbdsh.errnoOf(writable.uri(), statement));
    }

    /** Good requests with flags or at the limits, to show the cases above fail for the right reason. */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "h.pread(32 * 1024 * 1024, 0)                                   | OK",
            "h.pread(65536, 0, nbd.CMD_FLAG_DF)                             | OK",
            "h.pwrite(b'x' * 4096, 4096, nbd.CMD_FLAG_FUA)                  | OK",
            "h.flush()                                                      | OK",
            "h.zero(4096, 4096, nbd.CMD_FLAG_NO_HOLE)                       | OK",
            "h.block_status(65536, 0, lambda *a: 0, nbd.CMD_FLAG_REQ_ONE)   | OK",
            "h.pread(512, size - 512)                                       | OK",
    })
    void accepted(String statement, String errno) {
        assertEquals(errno, Nbdsh.errnoOf(writable.uri(), statement));
    }

    /** Longer than the 32 MiB maximum payload: refused, the connection goes on (a WRITE would close it). */
    @Test
    void readLongerThanTheMaximumPayloadIsRefused() {
        String errno = Nbdsh.errnoOf(writable.uri(), "h.pread(32 * 1024 * 1024 + 512, 0)");
        assertTrue(errno.equals("EINVAL") || errno.equals("EOVERFLOW"), "oversize READ answered " + errno);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "h.pwrite(b'x' * 512, 0) | EPERM",
            "h.trim(512, 0)          | EPERM",
            "h.zero(512, 0)          | EPERM",
            "h.pread(512, 0)         | OK",
    })
    void onTheReadOnlyExport(String statement, String errno) {
        assertEquals(errno, Nbdsh.errnoOf(readOnly.uri(), statement));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "h.pread(100, 0)                         | EINVAL",
            "h.pread(512, 100)                       | EINVAL",
            "h.trim(512, 1)                          | EINVAL",
            "h.cache(100, 0)                         | EINVAL",
            "h.block_status(100, 0, lambda *a: 0)    | EINVAL",
            "h.pread(1024, 512)                      | OK",
    })
    void misalignedWithMinimumBlockSize512(String statement, String errno) {
        assertEquals(errno, Nbdsh.errnoOf(aligned.uri(), statement));
    }

    @Test
    void minimumBlockSizeIsAdvertised() {
        ExternalTool.Result result = Nbdsh.run(aligned.uri(), "print(h.get_block_size(nbd.SIZE_MINIMUM))").assertSuccess();
        assertEquals("512", result.stdout().trim(), result.describe());
    }

    /**
     * FAST_ZERO must either zero quickly or fail with ENOTSUP, never anything else. We cannot force the
     * "cannot be fast" case from outside: on a local file the server can always punch a hole or
     * zero a range, so ENOTSUP is accepted here but not required.
     */
    @Test
    void fastZeroZeroesOrFailsWithEnotsup() {
        ExternalTool.runOk(ExternalTool.SHORT, "qemu-io", "-f", "raw", "-c", "write -P 0xff 1M 64k", writable.uri());
        String errno = Nbdsh.errnoOf(writable.uri(), "h.zero(65536, 1048576, nbd.CMD_FLAG_FAST_ZERO)");
        assertTrue(errno.equals("OK") || errno.equals("ENOTSUP"), "FAST_ZERO answered " + errno);
        if (errno.equals("OK")) {
            ExternalTool.runOk(ExternalTool.SHORT, "qemu-io", "-f", "raw", "-c", "read -P 0 1M 64k", writable.uri());
        }
    }
}
