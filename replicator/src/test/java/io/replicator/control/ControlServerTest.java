package io.replicator.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class ControlServerTest {
    @TempDir
    Path dir;

    private final FakeReplicaControl control = new FakeReplicaControl();
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private Path socket() {
        return dir.resolve("r0.sock");
    }

    private ControlServer start() throws IOException {
        ControlServer server = ControlServer.start(socket(), control);
        toClose.add(server);
        return server;
    }

    @Test
    void everyCommandRoundTripsAndReturnsTheStatusAfterIt() throws IOException {
        start();
        String[][] cases = {
            {"status", "false", null},
            {"promote", "false", "promote force=false"},
            {"promote", "true", "promote force=true"},
            {"demote", "true", "demote force=true"},
            {"connect", "false", "connect"},
            {"disconnect", "false", "disconnect"},
        };
        for (String[] c : cases) {
            control.calls.clear();
            ControlResponse response = ControlClient.send(socket(), c[0], Boolean.parseBoolean(c[1]));
            assertTrue(response.done(), c[0]);
            assertEquals(c[2] == null ? List.of() : List.of(c[2]), control.calls, c[0]);
            assertEquals(FakeReplicaControl.primary(), response.status(), c[0]);
        }
    }

    @Test
    void aRefusalCarriesTheReasonAndTheStatus() throws IOException {
        start();
        control.result = ControlResult.refused("the peer is Primary");
        ControlResponse response = ControlClient.send(socket(), "promote", false);
        assertFalse(response.done());
        assertEquals("the peer is Primary", response.message());
        assertNotNull(response.status());
    }

    @Test
    void aFailingCommandIsAnInternalErrorNotACrash() throws IOException {
        start();
        control.failure = new IllegalStateException("boom");
        ControlResponse response = ControlClient.send(socket(), "demote", false);
        assertFalse(response.done());
        assertTrue(response.message().startsWith("internal error while running demote: "), response.message());
        assertTrue(ControlClient.send(socket(), "status", false).done(), "the server still answers");
    }

    @Test
    void theResponseIsOneJsonLineWithEnumsAsNames() throws IOException {
        start();
        JsonNode json = ControlJson.STRICT.readTree(raw("{\"command\":\"status\"}\n"));
        assertTrue(json.get("done").asBoolean());
        assertEquals("Primary", json.at("/status/role").asText());
        assertEquals("beta", json.at("/status/peer/node").asText());
        assertTrue(json.at("/status").has("syncProgress"), "null fields are present");
    }

    @Test
    void malformedRequestsAreRefusedAndNothingHappens() throws IOException {
        start();
        String[][] cases = {
            {"not json\n", "bad request: not JSON: "},
            {"{\"command\":\"promote\"\n", "bad request: not JSON: "},
            {"[\"promote\"]\n", "bad request: expected a JSON object"},
            {"{\"command\":\"fly\"}\n", "bad request: unknown command 'fly' (expected: status, promote, demote, connect, disconnect, verify, invalidate, outdate)"},
            {"{\"command\":42}\n", "bad request: \"command\" must be a string"},
            {"{}\n", "bad request: \"command\" must be a string"},
            {"{\"command\":\"promote\",\"force\":\"yes\"}\n", "bad request: \"force\" must be true or false"},
            {"{\"command\":\"promote\",\"discard\":true}\n", "bad request: unknown field 'discard'"},
            {"{\"command\":\"promote\",\"command\":\"demote\"}\n", "bad request: not JSON: Duplicate field 'command'"},
            {"{\"command\":\"promote\"} {}\n", "bad request: not JSON: "},
            {"\n", "bad request: expected a JSON object"},
        };
        for (String[] c : cases) {
            JsonNode json = ControlJson.STRICT.readTree(raw(c[0]));
            assertFalse(json.get("done").asBoolean(), c[0]);
            assertTrue(json.get("message").asText().startsWith(c[1]), c[0] + " -> " + json.get("message"));
            assertFalse(json.has("status"), c[0]);
        }
        assertEquals(List.of(), control.calls);
    }

    @Test
    void anOverLongLineIsRefusedBeforeItIsBuffered() throws IOException {
        start();
        String line = "{\"command\":\"promote\",\"x\":\"" + "a".repeat(ControlServer.MAX_REQUEST_BYTES) + "\"}\n";
        JsonNode json = ControlJson.STRICT.readTree(raw(line));
        assertFalse(json.get("done").asBoolean());
        assertEquals("bad request: request line longer than 4096 bytes", json.get("message").asText());
        assertEquals(List.of(), control.calls);
    }

    @Test
    void onlyTheFirstLineOfAConnectionIsARequest() throws IOException {
        start();
        JsonNode json = ControlJson.STRICT.readTree(raw("{\"command\":\"connect\"}\n{\"command\":\"disconnect\"}\n"));
        assertTrue(json.get("done").asBoolean());
        assertEquals(List.of("connect"), control.calls);
    }

    @Test
    void theSocketIsOwnerOnly() throws IOException {
        start();
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket())));
    }

    @Test
    void aStaleSocketFileIsReplaced() throws IOException {
        try (ServerSocketChannel crashed = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            crashed.bind(UnixDomainSocketAddress.of(socket()));
        }
        assertTrue(Files.exists(socket()), "closing a unix listener leaves its file behind");
        start();
        assertTrue(ControlClient.send(socket(), "status", false).done());
    }

    @Test
    void aSecondServerOnALiveSocketIsRefused() throws IOException {
        start();
        IOException e = assertThrows(IOException.class, () -> ControlServer.start(socket(), new FakeReplicaControl()));
        assertTrue(e.getMessage().startsWith("another daemon is listening on " + socket()), e.getMessage());
        assertTrue(ControlClient.send(socket(), "status", false).done(), "the first server still answers");
    }

    @Test
    void aFileThatIsNotASocketIsNeverDeleted() throws IOException {
        Files.writeString(socket(), "operator's notes");
        IOException e = assertThrows(IOException.class, () -> ControlServer.start(socket(), control));
        assertTrue(e.getMessage().contains("exists and is not a socket"), e.getMessage());
        assertEquals("operator's notes", Files.readString(socket()));
    }

    @Test
    void closeRemovesTheSocketFile() throws IOException {
        ControlServer server = ControlServer.start(socket(), control);
        server.close();
        assertFalse(Files.exists(socket()));
        server.close(); // idempotent
    }

    @Test
    void aPeerWithAnotherUidIsRefused() throws IOException {
        toClose.add(ControlServer.start(socket(), control, new long[] {54321}));
        ControlResponse response = ControlClient.send(socket(), "promote", true);
        assertFalse(response.done());
        assertTrue(response.message().startsWith("permission denied: uid "), response.message());
        assertNull(response.status());
        assertEquals(List.of(), control.calls);
    }

    @Test
    void commandsRunOneAtATimeOffTheEventLoop() throws Exception {
        start();
        control.holdPromote = new CountDownLatch(1);
        Thread promote = new Thread(() -> {
            try {
                ControlClient.send(socket(), "promote", false);
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        promote.start();
        assertTrue(control.promoteStarted.await(10, TimeUnit.SECONDS));
        // the event loop is free: a bad request is answered while promote blocks the command thread
        assertTrue(raw("nonsense\n").contains("bad request"));
        assertEquals(List.of("promote force=false"), control.calls);
        control.holdPromote.countDown();
        promote.join(10_000);
        assertFalse(promote.isAlive());
    }

    @Test
    void aFullCommandQueueAnswersBusy() throws Exception {
        ControlServer server = start();
        control.holdPromote = new CountDownLatch(1);
        List<SocketChannel> waiting = new ArrayList<>();
        try {
            waiting.add(sendOnly("{\"command\":\"promote\"}\n"));
            assertTrue(control.promoteStarted.await(10, TimeUnit.SECONDS));
            for (int i = 0; i < ControlServer.MAX_QUEUED_COMMANDS; i++) {
                waiting.add(sendOnly("{\"command\":\"connect\"}\n"));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (server.waitingCommands() < ControlServer.MAX_QUEUED_COMMANDS && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertEquals(ControlServer.MAX_QUEUED_COMMANDS, server.waitingCommands());
            assertTrue(raw("{\"command\":\"status\"}\n").startsWith("{\"done\":false,\"message\":\"busy: "));
        } finally {
            control.holdPromote.countDown();
            for (SocketChannel c : waiting) {
                c.close();
            }
        }
    }

    @Test
    void theClientGivesUpOnALateAnswer() throws Exception {
        start();
        control.holdPromote = new CountDownLatch(1);
        try {
            IOException e = assertThrows(IOException.class,
                    () -> ControlClient.send(socket(), "promote", false, Duration.ofMillis(200)));
            assertFalse(e instanceof DaemonUnreachableException);
            assertTrue(e.getMessage().startsWith("no answer within 0 s"), e.getMessage());
        } finally {
            control.holdPromote.countDown();
        }
    }

    @Test
    void theClientTellsAnAbsentDaemonApart() throws IOException {
        DaemonUnreachableException missing = assertThrows(DaemonUnreachableException.class,
                () -> ControlClient.send(socket(), "status", false));
        assertTrue(missing.getMessage().startsWith("no such socket"), missing.getMessage());
        try (ServerSocketChannel crashed = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            crashed.bind(UnixDomainSocketAddress.of(socket()));
        }
        DaemonUnreachableException stale = assertThrows(DaemonUnreachableException.class,
                () -> ControlClient.send(socket(), "status", false));
        assertTrue(stale.getMessage().startsWith("connection refused"), stale.getMessage());
    }

    @Test
    void theClientRefusesToSendAnUnknownCommand() {
        assertThrows(IllegalArgumentException.class, () -> ControlClient.send(socket(), "fly", false));
    }

    private SocketChannel sendOnly(String request) throws IOException {
        SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket()));
        ByteBuffer out = ByteBuffer.wrap(request.getBytes(StandardCharsets.UTF_8));
        while (out.hasRemaining()) {
            channel.write(out);
        }
        return channel;
    }

    /** Sends raw bytes and returns everything the server writes until it closes the connection. */
    private String raw(String request) throws IOException {
        try (SocketChannel channel = sendOnly(request)) {
            ByteArrayOutputStream in = new ByteArrayOutputStream();
            ByteBuffer buffer = ByteBuffer.allocate(4096);
            for (int i = 0; i < 10_000; i++) {
                buffer.clear();
                int n;
                try {
                    n = channel.read(buffer);
                } catch (IOException reset) {
                    break; // the server may reset after answering when it left input unread
                }
                if (n < 0) {
                    break;
                }
                in.write(buffer.array(), 0, n);
            }
            String text = in.toString(StandardCharsets.UTF_8);
            assertTrue(text.endsWith("\n") && text.indexOf('\n') == text.length() - 1, "one line: " + text);
            return text.trim();
        }
    }
}
