package io.replicator.control;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** The client side of the control socket (what replctl uses): one request, one response. */
public final class ControlClient {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    /** A status is a few hundred bytes; this only stops a confused peer from filling memory. */
    static final int MAX_RESPONSE_BYTES = 1 << 20;

    private ControlClient() {}

    public static ControlResponse send(Path socket, String command, boolean force) throws IOException {
        return send(socket, command, force, DEFAULT_TIMEOUT);
    }

    /**
     * Sends {@code command} and waits up to {@code timeout} for the answer. Throws
     * {@link DaemonUnreachableException} when nothing listens on {@code socket}, and a plain
     * IOException when the daemon does not answer in time or answers nonsense.
     */
    public static ControlResponse send(Path socket, String command, boolean force, Duration timeout) throws IOException {
        ControlRequest request = new ControlRequest(ControlCommand.parse(command), force);
        try (SocketChannel channel = connect(socket)) {
            String line = exchange(channel, request.toJson() + "\n", timeout);
            try {
                return ControlJson.LENIENT.readValue(line, ControlResponse.class);
            } catch (JsonProcessingException e) {
                throw new IOException("the daemon's answer is not a control response: " + ControlJson.oneLine(e), e);
            }
        }
    }

    private static SocketChannel connect(Path socket) throws DaemonUnreachableException {
        try {
            return SocketChannel.open(UnixDomainSocketAddress.of(socket));
        } catch (ConnectException e) {
            throw new DaemonUnreachableException("connection refused (a stale socket: the daemon is not running)", e);
        } catch (IOException e) {
            if (!Files.exists(socket)) {
                throw new DaemonUnreachableException("no such socket (the daemon is not running, or --config/--node name another node)", e);
            }
            String reason = String.valueOf(e.getMessage());
            if (e instanceof SocketException && reason.toLowerCase().contains("permission denied")) {
                throw new DaemonUnreachableException("permission denied (run replctl as root or as the daemon's user)", e);
            }
            throw new DaemonUnreachableException(reason, e);
        }
    }

    /** Writes the request and reads one line; a watchdog closes the channel if the answer is late. */
    private static String exchange(SocketChannel channel, String request, Duration timeout) throws IOException {
        CountDownLatch finished = new CountDownLatch(1);
        Thread watchdog = new Thread(() -> {
            try {
                if (!finished.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    channel.close();
                }
            } catch (InterruptedException | IOException e) {
                // closing is all the watchdog does; the reader sees the channel closed either way
            }
        }, "control-client-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        try {
            ByteBuffer out = ByteBuffer.wrap(request.getBytes(StandardCharsets.UTF_8));
            while (out.hasRemaining()) {
                channel.write(out);
            }
            return readLine(channel);
        } catch (AsynchronousCloseException e) {
            throw new IOException("no answer within " + timeout.toSeconds()
                    + " s (the command may still complete: check with replctl status)", e);
        } finally {
            finished.countDown();
        }
    }

    private static String readLine(SocketChannel channel) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(512);
        ByteBuffer buffer = ByteBuffer.allocate(4096);
        while (line.size() <= MAX_RESPONSE_BYTES) {
            buffer.clear();
            int n = channel.read(buffer);
            if (n < 0) {
                throw new IOException("the daemon closed the connection without answering (see its log)");
            }
            for (int i = 0; i < n; i++) {
                byte b = buffer.get(i);
                if (b == '\n') {
                    return line.toString(StandardCharsets.UTF_8);
                }
                line.write(b);
            }
        }
        throw new IOException("the daemon's answer is longer than " + MAX_RESPONSE_BYTES + " bytes");
    }
}
