package io.replicator.nbd.codec;

import static io.replicator.nbd.wire.NbdConstants.REQUEST_MAGIC;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Random;

/** Client-side encoding of transmission requests, and ways to feed bytes to a channel. */
public final class RequestBytes {
    private RequestBytes() {}

    /** The 28-byte header; {@code length} is the wire's u32, {@code offset} its u64. */
    public static byte[] header(int magic, int flags, int type, long cookie, long offset, long length) {
        return ByteBuffer.allocate(28).putInt(magic).putShort((short) flags).putShort((short) type)
                .putLong(cookie).putLong(offset).putInt((int) length).array();
    }

    public static byte[] request(int flags, int type, long cookie, long offset, long length) {
        return header(REQUEST_MAGIC, flags, type, cookie, offset, length);
    }

    /** A WRITE header followed by its payload. */
    public static byte[] write(int flags, long cookie, long offset, byte[] payload) {
        return concat(request(flags, 1, cookie, offset, payload.length), payload);
    }

    public static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    public static byte[] randomBytes(long seed, int length) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    /** Writes {@code bytes[0, split)} and {@code bytes[split, end)} as two reads (an empty part is skipped). */
    public static void feedSplit(EmbeddedChannel channel, TrackingAllocator alloc, byte[] bytes, int split) {
        if (split > 0) {
            channel.writeInbound(alloc.copyOf(bytes, 0, split));
        }
        if (split < bytes.length) {
            channel.writeInbound(alloc.copyOf(bytes, split, bytes.length));
        }
    }

    public static void feedBytewise(EmbeddedChannel channel, TrackingAllocator alloc, byte[] bytes) {
        for (int i = 0; i < bytes.length; i++) {
            channel.writeInbound(alloc.copyOf(bytes, i, i + 1));
        }
    }

    /** Drains every outbound buffer into one byte array, releasing them. */
    public static byte[] drainOutbound(EmbeddedChannel channel) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Object msg;
        while ((msg = channel.readOutbound()) != null) {
            ByteBuf buf = (ByteBuf) msg;
            try {
                byte[] bytes = new byte[buf.readableBytes()];
                buf.readBytes(bytes);
                out.writeBytes(bytes);
            } finally {
                buf.release();
            }
        }
        return out.toByteArray();
    }
}
