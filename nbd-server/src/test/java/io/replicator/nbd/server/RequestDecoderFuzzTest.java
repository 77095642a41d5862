package io.replicator.nbd.server;

import static io.replicator.nbd.wire.NbdConstants.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import io.replicator.nbd.codec.RequestBytes;
import io.replicator.nbd.device.MemoryBlockDevice;
import io.replicator.nbd.wire.NbdCommand;
import io.replicator.nbd.wire.NbdError;
import io.replicator.nbd.wire.NbdRequest;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Arbitrary client bytes through {@code RequestDecoder} and {@link NbdSession} over a small memory
 * device. Byte 0 of an input picks the session (bit 0 structured replies, bit 1 base:allocation, bit 2
 * read-only, bit 3 minimum block 512, bits 4-5 maxInflight 1/2/64/64, bits 6-7 how the rest is split
 * into reads); the rest is what the client sends. Checked: no exception but the decoder's framing
 * errors; the connection closes only on one of those, or on DISC once every request before it was
 * answered (and none after it); every reply is well formed, has a cookie that was sent, an error the
 * spec defines and never EIO (the device is healthy); while the connection is open every request was
 * answered exactly once; no buffer is left unreleased.
 *
 * <p>The seed corpus holds a few valid request streams and a few malformed ones; files named
 * {@code found-*} are inputs the fuzzer found failing once, kept as regressions.
 *
 * <p>Without {@code JAZZER_FUZZ} it replays {@code src/test/resources/io/replicator/nbd/server/
 * RequestDecoderFuzzTestInputs/decodeAndServe/}; with {@code JAZZER_FUZZ=1} it fuzzes, and stores any
 * failing input there.
 */
class RequestDecoderFuzzTest {

    private static final int SIZE = 256 * 1024;
    private static final Set<Integer> SPEC_ERRORS = Set.of(0, 1, 5, 12, 22, 28, 75, 95, 108);

    static {
        if (System.getenv("JAZZER_FUZZ") != null) {
            quietSessionLog(); // a warning per closed connection would drown the fuzzer's own output
        }
    }

    /** Sits between decoder and session: gives each request a unique cookie and records what passes. */
    private static final class Recorder extends ChannelInboundHandlerAdapter {
        final List<NbdRequest> requests = new ArrayList<>();
        /** Framing errors that reached the session while the connection was open: each closes it. */
        final List<Throwable> framingErrors = new ArrayList<>();
        /** Anything else (Netty would only log an exception thrown from here). */
        final List<Throwable> unexpected = new ArrayList<>();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            NbdRequest r = (NbdRequest) msg;
            NbdRequest renamed = new NbdRequest(r.flags(), r.type(), requests.size(), r.offset(), r.length(), r.payload());
            requests.add(renamed);
            ctx.fireChannelRead(renamed);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            boolean framing = cause instanceof CorruptedFrameException || cause instanceof TooLongFrameException;
            boolean open = ctx.channel().isOpen();
            if (framing && open) {
                framingErrors.add(cause);
            } else if (!framing && !(cause instanceof ClosedChannelException && !open)) {
                // (a reply written with a void promise after the close fails with ClosedChannelException: expected)
                unexpected.add(cause);
            }
            ctx.fireExceptionCaught(cause);
        }
    }

    @FuzzTest(maxDuration = "60s")
    void decodeAndServe(byte[] input) {
        int options = input.length > 0 ? input[0] & 0xff : 0;
        byte[] stream = input.length > 0 ? Arrays.copyOfRange(input, 1, input.length) : input;
        boolean structured = (options & 1) != 0;
        Export export = new Export("disk", "", new MemoryBlockDevice(SIZE), (options & 4) != 0, (options & 8) != 0 ? 512 : 1);
        int maxInflight = new int[] {1, 2, 64, 64}[(options >> 4) & 3];
        Recorder recorder = new Recorder();
        SessionChannel session = new SessionChannel(export, structured, structured && (options & 2) != 0,
                SessionChannel.DIRECT, maxInflight, recorder);
        try {
            feed(session, stream, options >> 6);
            session.channel.checkException(); // what the session did not handle: a bug
            if (!recorder.unexpected.isEmpty()) {
                throw new AssertionError("unexpected exception in the pipeline", recorder.unexpected.get(0));
            }
            List<NbdRequest> requests = recorder.requests;
            List<Integer> finals = checkReplies(RequestBytes.drainOutbound(session.channel), requests, structured);
            if (session.channel.isOpen()) {
                assertAllAnswered(requests, finals, requests.size());
                assertTrue(session.channel.config().isAutoRead(), "open, nothing running, and not reading");
            } else if (recorder.framingErrors.isEmpty()) {
                // no framing error: only DISC may have closed it, after answering everything before it
                int disc = 0;
                while (disc < requests.size() && expectsReply(requests.get(disc))) {
                    disc++;
                }
                assertTrue(disc < requests.size(), "connection closed without a framing error or DISC");
                assertAllAnswered(requests, finals, disc);
                for (int cookie = disc; cookie < requests.size(); cookie++) {
                    assertEquals(0, finals.get(cookie), "a reply to request " + cookie + ", sent after DISC");
                }
            }
        } finally {
            session.close(); // asserts that every buffer was released
        }
        assertEquals(0, session.session.inflight());
    }

    private static void assertAllAnswered(List<NbdRequest> requests, List<Integer> finals, int count) {
        for (int cookie = 0; cookie < count; cookie++) {
            assertEquals(1, finals.get(cookie), "final replies to request " + cookie + ": " + requests.get(cookie));
        }
    }

    /** Feeds whole, in two halves, in 7-byte pieces, or one byte at a time. */
    private static void feed(SessionChannel session, byte[] stream, int mode) {
        int piece = switch (mode) {
            case 0 -> Math.max(1, stream.length);
            case 1 -> Math.max(1, (stream.length + 1) / 2);
            case 2 -> 7;
            default -> 1;
        };
        for (int from = 0; from < stream.length && session.channel.isOpen(); from += piece) {
            session.send(Arrays.copyOfRange(stream, from, Math.min(stream.length, from + piece)));
        }
    }

    /** Every request but DISC gets a reply (DISC never does, whatever its flags). */
    private static boolean expectsReply(NbdRequest r) {
        return r.command() != NbdCommand.DISC;
    }

    /** Parses every reply; returns the number of final replies per cookie. */
    private static List<Integer> checkReplies(byte[] bytes, List<NbdRequest> requests, boolean structured) {
        List<Integer> finals = new ArrayList<>(Collections.nCopies(requests.size(), 0));
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            while (in.hasRemaining()) {
                int magic = in.getInt();
                boolean done;
                int cookie;
                if (magic == SIMPLE_REPLY_MAGIC) {
                    int error = in.getInt();
                    cookie = cookieOf(in.getLong(), requests);
                    NbdRequest r = requests.get(cookie);
                    checkError(error, r);
                    assertTrue(!structured || r.command() != NbdCommand.READ, "simple reply to a READ with structured replies");
                    if (error == 0 && r.command() == NbdCommand.READ) {
                        in.position(in.position() + (int) r.length());
                    }
                    done = true;
                } else if (magic == STRUCTURED_REPLY_MAGIC) {
                    assertTrue(structured, "structured reply that was not negotiated");
                    int flags = in.getShort() & 0xffff;
                    int type = in.getShort() & 0xffff;
                    cookie = cookieOf(in.getLong(), requests);
                    byte[] payload = new byte[in.getInt()];
                    in.get(payload);
                    if (type == REPLY_TYPE_ERROR) {
                        checkError(ByteBuffer.wrap(payload).getInt(), requests.get(cookie));
                    }
                    done = (flags & REPLY_FLAG_DONE) != 0;
                } else {
                    throw new AssertionError("bad reply magic 0x" + Integer.toHexString(magic));
                }
                assertEquals(0, finals.get(cookie), "a reply after the final one, cookie " + cookie);
                finals.set(cookie, done ? 1 : 0);
            }
        } catch (BufferUnderflowException e) {
            throw new AssertionError("truncated reply", e);
        }
        return finals;
    }

    private static int cookieOf(long cookie, List<NbdRequest> requests) {
        assertTrue(cookie >= 0 && cookie < requests.size(), "reply to a cookie never sent: " + cookie);
        assertTrue(expectsReply(requests.get((int) cookie)), "reply to DISC");
        return (int) cookie;
    }

    private static void checkError(int error, NbdRequest r) {
        assertTrue(SPEC_ERRORS.contains(error), "error value " + error + " is not one the spec defines");
        assertTrue(error != NbdError.EIO.code, "EIO from a healthy device (a bug caught as RuntimeException?): " + r);
        EnumSet<NbdCommand> notsup = EnumSet.of(NbdCommand.WRITE_ZEROES);
        assertTrue(error != NbdError.ENOTSUP.code || notsup.contains(r.command()), "ENOTSUP is only for FAST_ZERO: " + r);
    }

    private static void quietSessionLog() {
        PrintStream err = System.err;
        System.setErr(new PrintStream(OutputStream.nullOutputStream()));
        try {
            new Log("fuzz"); // Log keeps the stderr it finds when its class initialises
        } finally {
            System.setErr(err);
        }
    }
}
