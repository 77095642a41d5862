package io.replicator.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Option haggling by hand ({@link RawNbdClient}): the answers real clients rarely provoke. One
 * server for the class; after each test it must still accept a normal connection.
 */
@ExtendWith(ServerLogOnFailure.class)
class RawHandshakeIT {

    private static final long SIZE_BYTES = 16 * Volumes.MIB;

    @TempDir
    static Path dir;
    static NbdServerProcess server;

    @BeforeAll
    static void startServer() {
        server = NbdServerProcess.start(dir, "--volume", dir.resolve("vol.img").toString(), "--size", "16M");
    }

    @AfterEach
    void serverStillServes() {
        server.assertStillServes("volume", 512);
    }

    @AfterAll
    static void closeServer() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void unknownOptionGetsErrUnsupAndNegotiationGoesOn() {
        try (RawNbdClient client = RawNbdClient.connect(server.port())) {
            RawNbdClient.OptionReply reply = client.option(0x7777, new byte[0]);
            assertEquals(RawNbdClient.REP_ERR_UNSUP, reply.type(), "reply type to an unknown option");
            assertEquals(0x7777, reply.option(), "the reply names the option");
            assertEquals(RawNbdClient.REP_ACK, client.go("volume").type());
            assertEquals(512, client.read(0, 512).length);
        }
    }

    @Test
    void goOnAnUnknownExportGetsErrUnknownAndMayBeRetried() {
        try (RawNbdClient client = RawNbdClient.connect(server.port())) {
            assertEquals(RawNbdClient.REP_ERR_UNKNOWN, client.go("no-such-export").type());
            assertEquals(RawNbdClient.REP_ACK, client.go("volume").type());
            assertEquals(SIZE_BYTES, client.exportSizeBytes());
        }
    }

    @Test
    void starttlsOnAServerWithoutTlsIsRefusedWithAnError() {
        try (RawNbdClient client = RawNbdClient.connect(server.port())) {
            int type = client.option(RawNbdClient.OPT_STARTTLS, new byte[0]).type();
            assertNotEquals(0, type & 0x80000000, "STARTTLS with --tls off must get an error reply, got " + type);
            assertEquals(RawNbdClient.REP_ACK, client.go("volume").type());
        }
    }

    @Test
    void abortIsAcknowledged() {
        try (RawNbdClient client = RawNbdClient.connect(server.port())) {
            assertEquals(RawNbdClient.REP_ACK, client.option(RawNbdClient.OPT_ABORT, new byte[0]).type());
        }
    }

    /** The old way into transmission, still used by some clients; with and without the 124 zero bytes. */
    @ParameterizedTest(name = "no-zeroes {0}")
    @ValueSource(booleans = {true, false})
    void exportNameOptionEntersTransmission(boolean noZeroes) {
        int flags = RawNbdClient.FLAG_FIXED_NEWSTYLE | (noZeroes ? RawNbdClient.FLAG_NO_ZEROES : 0);
        try (RawNbdClient client = RawNbdClient.connect(server.port(), flags)) {
            client.exportName("volume");
            assertEquals(SIZE_BYTES, client.exportSizeBytes());
            assertEquals(1, client.transmissionFlags() & 1, "NBD_FLAG_HAS_FLAGS");
            assertEquals(4096, client.read(0, 4096).length);
        }
    }

    @Test
    void unknownClientFlagsCloseTheConnection() {
        try (RawNbdClient client = RawNbdClient.connect(server.port(), RawNbdClient.FLAG_FIXED_NEWSTYLE | 1 << 7)) {
            client.assertClosedWithoutReply(Duration.ofSeconds(10));
        }
    }
}
