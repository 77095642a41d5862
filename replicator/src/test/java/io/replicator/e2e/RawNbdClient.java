package io.replicator.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A deliberately naive NBD client that writes the wire format by hand (fixed newstyle, OPT_GO,
 * simple replies only), so tests can send what real clients never send: unknown commands and flags,
 * bad magic, oversize headers.
 *
 * <p>The constants are copied from the NBD specification on purpose, not from the server's code, so
 * a wrong constant on either side shows up as a failure.
 */
public final class RawNbdClient implements AutoCloseable {

    static final long NBDMAGIC = 0x4e42444d41474943L;
    static final long IHAVEOPT = 0x49484156454f5054L;
    static final long OPTION_REPLY_MAGIC = 0x3e889045565a9L;
    static final int REQUEST_MAGIC = 0x25609513;
    static final int SIMPLE_REPLY_MAGIC = 0x67446698;

    static final int FLAG_FIXED_NEWSTYLE = 1;
    static final int FLAG_NO_ZEROES = 2;

    static final int OPT_EXPORT_NAME = 1;
    static final int OPT_ABORT = 2;
    static final int OPT_STARTTLS = 5;
    static final int OPT_GO = 7;
    static final int REP_ACK = 1;
    static final int REP_INFO = 3;
    static final int INFO_EXPORT = 0;
    static final int REP_ERR_UNSUP = 0x80000001;
    static final int REP_ERR_TLS_REQD = 0x80000005;
    static final int REP_ERR_UNKNOWN = 0x80000006;

    public static final int CMD_READ = 0;
    public static final int CMD_WRITE = 1;
    public static final int CMD_DISC = 2;
    public static final int CMD_FLUSH = 3;
    public static final int CMD_TRIM = 4;
    public static final int CMD_WRITE_ZEROES = 6;

    public static final int CMD_FLAG_FUA = 1;
    public static final int CMD_FLAG_NO_HOLE = 1 << 1;
    public static final int CMD_FLAG_DF = 1 << 2;
    public static final int CMD_FLAG_FAST_ZERO = 1 << 4;

    public static final int EPERM = 1;
    public static final int EINVAL = 22;
    public static final int ENOSPC = 28;
    public static final int ESHUTDOWN = 108;

    private static final int READ_TIMEOUT_MS = 15_000;

    private final Socket socket;
    private final DataInputStream in;
    private final DataOutputStream out;
    private boolean noZeroes;
    private long exportSizeBytes = -1;
    private int transmissionFlags;
    private long nextCookie = 1;

    /** One option reply from the handshake. */
    public record OptionReply(int option, int type, byte[] data) {}

    /** One simple reply; {@code data} is the payload of a successful READ, else empty. */
    public record Reply(int error, long cookie, byte[] data) {}

    private RawNbdClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 1 << 16));
        this.out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream(), 1 << 16));
    }

    /** Connects and completes the greeting; the client is then in the option phase. */
    public static RawNbdClient connect(int port) {
        return connect(port, -1);
    }

    /**
     * Connects and answers the greeting with {@code clientFlags}, or with the usual flags (fixed
     * newstyle, plus no-zeroes if offered) when it is negative.
     */
    public static RawNbdClient connect(int port, int clientFlags) {
        try {
            Socket socket = new Socket();
            socket.connect(new InetSocketAddress(NbdServerProcess.LOOPBACK, port), 5_000);
            socket.setSoTimeout(READ_TIMEOUT_MS);
            socket.setTcpNoDelay(true);
            RawNbdClient client = new RawNbdClient(socket);
            client.greet(clientFlags);
            return client;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot connect to 127.0.0.1:" + port, e);
        }
    }

    /** Connects and enters transmission on {@code exportName} with OPT_GO, asserting the server agrees. */
    public static RawNbdClient open(int port, String exportName) {
        RawNbdClient client = connect(port);
        OptionReply reply = client.go(exportName);
        assertEquals(REP_ACK, reply.type(), "OPT_GO reply type for export '" + exportName + "'");
        return client;
    }

    private void greet(int clientFlags) throws IOException {
        assertEquals(NBDMAGIC, in.readLong(), "greeting magic");
        assertEquals(IHAVEOPT, in.readLong(), "greeting IHAVEOPT");
        int handshakeFlags = in.readUnsignedShort();
        if ((handshakeFlags & FLAG_FIXED_NEWSTYLE) == 0) {
            fail("server does not offer fixed newstyle: flags " + handshakeFlags);
        }
        int flags = clientFlags >= 0 ? clientFlags : FLAG_FIXED_NEWSTYLE | (handshakeFlags & FLAG_NO_ZEROES);
        noZeroes = (flags & FLAG_NO_ZEROES) != 0;
        out.writeInt(flags);
        out.flush();
    }

    /** NBD_OPT_EXPORT_NAME: enters transmission at once (the server hangs up if it refuses). */
    public void exportName(String exportName) {
        try {
            sendOption(OPT_EXPORT_NAME, exportName.getBytes(StandardCharsets.UTF_8));
            exportSizeBytes = in.readLong();
            transmissionFlags = in.readUnsignedShort();
            if (!noZeroes) {
                byte[] zeroes = in.readNBytes(124);
                assertArrayEquals(new byte[124], zeroes, "124 zero bytes after NBD_OPT_EXPORT_NAME");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("OPT_EXPORT_NAME " + exportName, e);
        }
    }

    /** Sends one option and reads one reply (for options with a single reply). */
    public OptionReply option(int option, byte[] data) {
        try {
            sendOption(option, data);
            return readOptionReply();
        } catch (IOException e) {
            throw new UncheckedIOException("option " + option, e);
        }
    }

    /** OPT_GO without info requests; returns the final reply (ACK, or an error) after any INFO replies. */
    public OptionReply go(String exportName) {
        byte[] name = exportName.getBytes(StandardCharsets.UTF_8);
        ByteBuffer data = ByteBuffer.allocate(4 + name.length + 2).putInt(name.length).put(name).putShort((short) 0);
        try {
            sendOption(OPT_GO, data.array());
            for (int replies = 0; replies < 64; replies++) {
                OptionReply reply = readOptionReply();
                if (reply.type() != REP_INFO) {
                    return reply;
                }
                ByteBuffer info = ByteBuffer.wrap(reply.data());
                if (info.getShort() == INFO_EXPORT) {
                    exportSizeBytes = info.getLong();
                    transmissionFlags = info.getShort() & 0xffff;
                }
            }
            return fail("more than 64 replies to OPT_GO");
        } catch (IOException e) {
            throw new UncheckedIOException("OPT_GO " + exportName, e);
        }
    }

    private void sendOption(int option, byte[] data) throws IOException {
        out.writeLong(IHAVEOPT);
        out.writeInt(option);
        out.writeInt(data.length);
        out.write(data);
        out.flush();
    }

    private OptionReply readOptionReply() throws IOException {
        assertEquals(OPTION_REPLY_MAGIC, in.readLong(), "option reply magic");
        int option = in.readInt();
        int type = in.readInt();
        int length = in.readInt();
        if (length < 0 || length > 65536) {
            fail("option reply length: " + length + " (expected: <= 65536)");
        }
        return new OptionReply(option, type, in.readNBytes(length));
    }

    public long exportSizeBytes() {
        return exportSizeBytes;
    }

    public int transmissionFlags() {
        return transmissionFlags;
    }

    /** Sends a request (with payload for WRITE) and reads its simple reply. */
    public Reply request(int type, int flags, long offset, int length, byte[] payload) {
        long cookie = nextCookie++;
        try {
            writeHeader(REQUEST_MAGIC, flags, type, cookie, offset, length);
            if (payload != null) {
                out.write(payload);
            }
            out.flush();
            assertEquals(SIMPLE_REPLY_MAGIC, in.readInt(), "simple reply magic");
            int error = in.readInt();
            assertEquals(cookie, in.readLong(), "reply cookie");
            byte[] data = type == CMD_READ && error == 0 ? in.readNBytes(length) : new byte[0];
            return new Reply(error, cookie, data);
        } catch (IOException e) {
            throw new UncheckedIOException("request type " + type + " at " + offset + "+" + length, e);
        }
    }

    /** A READ that must succeed; returns its data. */
    public byte[] read(long offset, int length) {
        Reply reply = request(CMD_READ, 0, offset, length, null);
        assertEquals(0, reply.error(), "error of READ at " + offset + "+" + length);
        assertEquals(length, reply.data().length, "READ payload length");
        return reply.data();
    }

    /** Sends a WRITE without waiting for its reply, so several can be in flight; returns its cookie. */
    public long sendWrite(long offset, byte[] payload) {
        long cookie = nextCookie++;
        try {
            writeHeader(REQUEST_MAGIC, 0, CMD_WRITE, cookie, offset, payload.length);
            out.write(payload);
            out.flush();
            return cookie;
        } catch (IOException e) {
            throw new UncheckedIOException("WRITE at " + offset, e);
        }
    }

    /** Reads the next simple reply that carries no data (any request but a successful READ). */
    public Reply readReply() {
        try {
            assertEquals(SIMPLE_REPLY_MAGIC, in.readInt(), "simple reply magic");
            int error = in.readInt();
            return new Reply(error, in.readLong(), new byte[0]);
        } catch (IOException e) {
            throw new UncheckedIOException("reading a reply", e);
        }
    }

    /** Sends a request header only, with any magic, and no payload. */
    public void sendHeader(int magic, int flags, int type, long cookie, long offset, int length) {
        try {
            writeHeader(magic, flags, type, cookie, offset, length);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void writeHeader(int magic, int flags, int type, long cookie, long offset, int length) throws IOException {
        out.writeInt(magic);
        out.writeShort(flags);
        out.writeShort(type);
        out.writeLong(cookie);
        out.writeLong(offset);
        out.writeInt(length);
    }

    /**
     * Asserts that the server closes the connection within {@code timeout} without sending a single
     * byte (a reset counts as closed).
     */
    public void assertClosedWithoutReply(Duration timeout) {
        try {
            socket.setSoTimeout((int) timeout.toMillis());
            int b = in.read();
            if (b >= 0) {
                byte[] more = in.readNBytes(Math.min(in.available(), 64));
                fail("server sent data instead of closing: first byte 0x" + Integer.toHexString(b)
                        + " then " + more.length + " more");
            }
        } catch (SocketTimeoutException e) {
            fail("server kept the connection open for " + timeout.toSeconds() + " s");
        } catch (EOFException | SocketException e) {
            // closed or reset: what we want
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends NBD_CMD_DISC (no reply) and closes the socket. */
    public void disconnect() {
        sendHeader(REQUEST_MAGIC, 0, CMD_DISC, nextCookie++, 0, 0);
        close();
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }
}
