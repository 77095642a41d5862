package io.replicator.nbd.server;

import static io.replicator.nbd.wire.NbdConstants.*;

import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.replicator.nbd.codec.RequestBytes;
import io.replicator.nbd.codec.RequestDecoder;
import io.replicator.nbd.codec.TrackingAllocator;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;

/**
 * The transmission phase on an {@link EmbeddedChannel}: {@link RequestDecoder} then {@link NbdSession},
 * buffers from a {@link TrackingAllocator}, replies parsed back into {@link Reply} records. A simple
 * reply carries READ data with no length of its own, so the reads sent through {@link #read} are
 * remembered by cookie (cookies must then be unique).
 */
final class SessionChannel implements AutoCloseable {

    /** A simple reply (type -1, data of a successful READ) or one structured chunk (its payload). */
    record Reply(long cookie, int error, boolean structured, int flags, int type, byte[] data) {
        boolean done() {
            return !structured || (flags & REPLY_FLAG_DONE) != 0;
        }

        /** The error of a simple reply or of an ERROR chunk, else 0. */
        int errorCode() {
            return structured && type == REPLY_TYPE_ERROR ? ByteBuffer.wrap(data).getInt() : error;
        }
    }

    static final Executor DIRECT = Runnable::run;

    final TrackingAllocator alloc = new TrackingAllocator();
    final EmbeddedChannel channel;
    final NbdSession session;
    private final Map<Long, Integer> readLengths = new HashMap<>();

    SessionChannel(Export export, boolean structured, boolean baseAllocation, Executor ioExecutor, int maxInflight,
            ChannelHandler... between) {
        session = new NbdSession(export, structured, baseAllocation, ioExecutor, maxInflight);
        List<ChannelHandler> handlers = new ArrayList<>();
        handlers.add(new RequestDecoder());
        handlers.addAll(List.of(between));
        handlers.add(session);
        channel = new EmbeddedChannel(false, false, handlers.toArray(new ChannelHandler[0]));
        channel.config().setAllocator(alloc);
        try {
            channel.register();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    SessionChannel(Export export, boolean structured, boolean baseAllocation) {
        this(export, structured, baseAllocation, DIRECT, 64);
    }

    /** A READ request; its reply data length is remembered for the parser. */
    byte[] read(int flags, long cookie, long offset, long length) {
        readLengths.put(cookie, (int) Math.min(length, Integer.MAX_VALUE));
        return RequestBytes.request(flags, 0, cookie, offset, length);
    }

    void send(byte[] bytes) {
        channel.writeInbound(alloc.copyOf(bytes));
    }

    void sendSplit(byte[] bytes, int split) {
        RequestBytes.feedSplit(channel, alloc, bytes, split);
    }

    /** Every reply written since the last call, in order. */
    List<Reply> replies() {
        return parse(ByteBuffer.wrap(RequestBytes.drainOutbound(channel)));
    }

    /** The one reply (or the one DONE chunk) written since the last call. */
    Reply onlyReply() {
        List<Reply> replies = replies();
        if (replies.size() != 1) {
            throw new AssertionError("expected one reply, got " + replies);
        }
        return replies.get(0);
    }

    private List<Reply> parse(ByteBuffer in) {
        List<Reply> replies = new ArrayList<>();
        while (in.hasRemaining()) {
            int magic = in.getInt();
            if (magic == SIMPLE_REPLY_MAGIC) {
                int error = in.getInt();
                long cookie = in.getLong();
                Integer length = readLengths.remove(cookie);
                byte[] data = new byte[error == 0 && length != null ? length : 0];
                in.get(data);
                replies.add(new Reply(cookie, error, false, 0, -1, data));
            } else if (magic == STRUCTURED_REPLY_MAGIC) {
                int flags = in.getShort() & 0xffff;
                int type = in.getShort() & 0xffff;
                long cookie = in.getLong();
                byte[] data = new byte[in.getInt()];
                in.get(data);
                if ((flags & REPLY_FLAG_DONE) != 0) {
                    readLengths.remove(cookie);
                }
                replies.add(new Reply(cookie, 0, true, flags, type, data));
            } else {
                throw new AssertionError("bad reply magic 0x" + Integer.toHexString(magic) + " after " + replies);
            }
        }
        return replies;
    }

    /** Closes the channel, releases what is left and asserts every buffer was released. */
    @Override
    public void close() {
        RequestBytes.drainOutbound(channel);
        channel.finishAndReleaseAll();
        alloc.assertAllReleased();
    }
}
