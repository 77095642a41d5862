package io.replicator.e2e.pair;

import static org.junit.jupiter.api.Assertions.fail;

import io.replicator.wire.WireConstants;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.zip.CRC32C;

/** A raw TCP connection to a node's replication port, for sending it what no peer would. */
final class RawLinkClient implements AutoCloseable {

    private final Socket socket;

    private RawLinkClient(Socket socket) {
        this.socket = socket;
    }

    static RawLinkClient connect(int port) {
        try {
            Socket socket = new Socket();
            socket.connect(new InetSocketAddress(DaemonNode.LOOPBACK, port), 5_000);
            return new RawLinkClient(socket);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot connect to the replication port 127.0.0.1:" + port, e);
        }
    }

    void send(byte[] bytes) {
        try {
            socket.getOutputStream().write(bytes);
            socket.getOutputStream().flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Reads (and drops) whatever the node sends, such as its Hello, until it closes the connection;
     * fails if it keeps it open for {@code timeout}. Returns the number of bytes it sent.
     */
    long assertClosedByPeer(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long total = 0;
        byte[] buffer = new byte[4096];
        try {
            InputStream in = socket.getInputStream();
            while (true) {
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    return fail("the node kept the connection open for " + timeout.toSeconds() + " s");
                }
                socket.setSoTimeout((int) left);
                int n = in.read(buffer);
                if (n < 0) {
                    return total;
                }
                total += n;
            }
        } catch (SocketTimeoutException e) {
            return fail("the node kept the connection open for " + timeout.toSeconds() + " s");
        } catch (SocketException e) {
            return total; // reset: closed too
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }

    /**
     * A frame as the link writes it (see {@link WireConstants}): magic, type, flags, reserved, both
     * lengths, body, CRC32C from the type byte on; {@code crcXor} other than 0 spoils the CRC.
     */
    static byte[] frame(int type, byte[] body, int crcXor) {
        ByteBuffer frame = ByteBuffer.allocate(WireConstants.HEADER_BYTES + body.length + WireConstants.TRAILER_BYTES);
        frame.putInt(WireConstants.MAGIC).put((byte) type).put((byte) 0).putShort((short) 0)
                .putInt(body.length).putInt(body.length).put(body);
        CRC32C crc = new CRC32C();
        crc.update(frame.array(), WireConstants.CRC_START, frame.position() - WireConstants.CRC_START);
        frame.putInt((int) crc.getValue() ^ crcXor);
        return frame.array();
    }

    /** Only the header of a frame whose body would be {@code bodyBytes} long. */
    static byte[] header(int type, int bodyBytes) {
        return ByteBuffer.allocate(WireConstants.HEADER_BYTES).putInt(WireConstants.MAGIC).put((byte) type).put((byte) 0)
                .putShort((short) 0).putInt(bodyBytes).putInt(bodyBytes).array();
    }
}
