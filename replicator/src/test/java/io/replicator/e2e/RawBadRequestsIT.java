package io.replicator.e2e;

import static io.replicator.e2e.RawNbdClient.CMD_FLAG_DF;
import static io.replicator.e2e.RawNbdClient.CMD_FLAG_FAST_ZERO;
import static io.replicator.e2e.RawNbdClient.CMD_FLAG_NO_HOLE;
import static io.replicator.e2e.RawNbdClient.CMD_FLUSH;
import static io.replicator.e2e.RawNbdClient.CMD_READ;
import static io.replicator.e2e.RawNbdClient.CMD_TRIM;
import static io.replicator.e2e.RawNbdClient.CMD_WRITE;
import static io.replicator.e2e.RawNbdClient.EINVAL;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Bytes no real client sends, written by hand ({@link RawNbdClient}): unknown commands and flags get
 * EINVAL and the connection goes on; framing errors (bad magic, a WRITE longer than the maximum
 * payload) close the connection without a reply. One server for the class; each test checks that it
 * still serves a good read afterwards, on a new connection.
 */
@ExtendWith(ServerLogOnFailure.class)
class RawBadRequestsIT {

    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

    @TempDir
    static Path dir;
    static NbdServerProcess server;

    @BeforeAll
    static void startServer() {
        Path volume = Volumes.createSparse(dir.resolve("vol.img"), 16 * Volumes.MIB);
        Volumes.writeRandom(volume, 0, 64 * Volumes.KIB, 5);
        server = NbdServerProcess.start(dir, "--volume", volume.toString());
    }

    @AfterEach
    void serverStillServes() {
        server.assertStillServes("volume", 4096);
    }

    @AfterAll
    static void closeServer() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void goReportsTheSizeAndTheFirstReadMatchesTheFile() {
        try (RawNbdClient client = RawNbdClient.open(server.port(), "volume")) {
            assertEquals(16 * Volumes.MIB, client.exportSizeBytes());
            byte[] expected = new byte[4096];
            new Random(5).nextBytes(expected); // same generator as Volumes.writeRandom, first 4 KiB
            assertArrayEquals(expected, client.read(0, 4096));
        }
    }

    @ParameterizedTest(name = "type {0}")
    @CsvSource({"9", "42", "65535"})
    void unknownCommandGetsEinvalAndTheConnectionGoesOn(int type) {
        try (RawNbdClient client = RawNbdClient.open(server.port(), "volume")) {
            assertEquals(EINVAL, client.request(type, 0, 0, 512, null).error(), "error for command type " + type);
            assertEquals(512, client.read(0, 512).length);
        }
    }

    @ParameterizedTest(name = "command {0} flags {1}")
    @CsvSource({
            CMD_READ + ", " + (1 << 9),               // a bit no command defines
            CMD_READ + ", " + (1 << 15),
            CMD_READ + ", " + CMD_FLAG_NO_HOLE,       // NO_HOLE is for WRITE_ZEROES only
            CMD_READ + ", " + CMD_FLAG_FAST_ZERO,     // FAST_ZERO is for WRITE_ZEROES only
            CMD_TRIM + ", " + CMD_FLAG_DF,            // DF is for READ only
            CMD_FLUSH + ", " + CMD_FLAG_NO_HOLE,
    })
    void flagNotValidForTheCommandGetsEinval(int type, int flags) {
        try (RawNbdClient client = RawNbdClient.open(server.port(), "volume")) {
            int length = type == CMD_FLUSH ? 0 : 512;
            assertEquals(EINVAL, client.request(type, flags, 0, length, null).error(),
                    "error for command " + type + " with flags 0x" + Integer.toHexString(flags));
            assertEquals(512, client.read(0, 512).length);
        }
    }

    /** The payload of a refused WRITE must still be consumed, or the next header would be read from it. */
    @Test
    void refusedWriteSkipsItsPayload() {
        try (RawNbdClient client = RawNbdClient.open(server.port(), "volume")) {
            byte[] before = client.read(8192, 4096);
            byte[] payload = new byte[4096];
            // The payload looks like a request header, in case the server misreads it as one.
            Arrays.fill(payload, (byte) 0x25);
            assertEquals(EINVAL, client.request(CMD_WRITE, CMD_FLAG_FAST_ZERO, 8192, 4096, payload).error());
            assertArrayEquals(before, client.read(8192, 4096), "a refused write must not change data");
        }
    }

    @Test
    void badRequestMagicClosesTheConnection() {
        try (RawNbdClient client = RawNbdClient.open(server.port(), "volume")) {
            client.sendHeader(0xdeadbeef, 0, CMD_READ, 1, 0, 512);
            client.assertClosedWithoutReply(CLOSE_TIMEOUT);
        }
    }

    @Test
    void writeLongerThanTheMaximumPayloadClosesTheConnectionWithoutAReply() {
        try (RawNbdClient client = RawNbdClient.open(server.port(), "volume")) {
            client.sendHeader(RawNbdClient.REQUEST_MAGIC, 0, CMD_WRITE, 1, 0, 64 << 20); // no payload follows
            client.assertClosedWithoutReply(CLOSE_TIMEOUT);
        }
    }
}
