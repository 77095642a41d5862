package io.replicator.wire;

import io.replicator.nbd.codec.TrackingAllocator;
import static io.replicator.wire.WireConstants.BODY_LENGTH_OFFSET;
import static io.replicator.wire.WireConstants.CRC_START;
import static io.replicator.wire.WireConstants.HEADER_BYTES;
import static io.replicator.wire.WireConstants.MAGIC;
import static io.replicator.wire.WireConstants.TRAILER_BYTES;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;
import net.jpountz.lz4.LZ4Factory;

/** Frames as raw bytes: encoded by FrameEncoder, or written by hand (to break them), and ways to feed them. */
final class FrameBytes {

    private FrameBytes() {
    }

    /** The frame FrameEncoder makes for {@code message} (whose payload it releases). */
    static byte[] encode(Message message, boolean compress, TrackingAllocator alloc) {
        EmbeddedChannel channel = new EmbeddedChannel(new FrameEncoder(compress));
        channel.config().setAllocator(alloc);
        channel.writeOutbound(message);
        ByteBuf frame = channel.readOutbound();
        try {
            if (channel.finish()) {
                throw new AssertionError("more than one frame for one message");
            }
            return ByteBufUtil.getBytes(frame);
        } finally {
            frame.release();
        }
    }

    /** A frame with any header values, its CRC correct. */
    static byte[] frame(int magic, int code, int flags, int reserved, long bodyLength, long uncompressedLength, byte[] body) {
        ByteBuffer frame = ByteBuffer.allocate(HEADER_BYTES + body.length + TRAILER_BYTES);
        frame.putInt(magic).put((byte) code).put((byte) flags).putShort((short) reserved)
                .putInt((int) bodyLength).putInt((int) uncompressedLength).put(body);
        byte[] bytes = frame.array();
        fixCrc(bytes, 0);
        return bytes;
    }

    /** A header alone, with any values. */
    static byte[] header(int magic, int code, int flags, int reserved, long bodyLength, long uncompressedLength) {
        return ByteBuffer.allocate(HEADER_BYTES).putInt(magic).put((byte) code).put((byte) flags).putShort((short) reserved)
                .putInt((int) bodyLength).putInt((int) uncompressedLength).array();
    }

    /** A well-formed uncompressed frame around {@code body}. */
    static byte[] frame(MessageType type, byte[] body) {
        return frame(MAGIC, type.code, 0, 0, body.length, body.length, body);
    }

    /** A frame with {@code body} LZ4-compressed (it must compress), its CRC correct. */
    static byte[] compressedFrame(MessageType type, byte[] body) {
        byte[] packed = LZ4Factory.fastestInstance().fastCompressor().compress(body);
        if (packed.length >= body.length) {
            throw new IllegalArgumentException("body does not compress");
        }
        return frame(MAGIC, type.code, WireConstants.FRAME_FLAG_LZ4, 0, packed.length, body.length, packed);
    }

    /** Rewrites the CRC of the frame at {@code at} (its body length taken from its header); returns the next frame's offset. */
    static int fixCrc(byte[] bytes, int at) {
        int bodyLength = ByteBuffer.wrap(bytes).getInt(at + BODY_LENGTH_OFFSET);
        int end = at + HEADER_BYTES + bodyLength;
        CRC32C crc = new CRC32C();
        crc.update(bytes, at + CRC_START, end - at - CRC_START);
        ByteBuffer.wrap(bytes).putInt(end, (int) crc.getValue());
        return end + TRAILER_BYTES;
    }

    static int headerInt(byte[] frame, int offset) {
        return ByteBuffer.wrap(frame).getInt(offset);
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    /** Writes {@code bytes} in pieces ending at each of {@code cuts} (ascending) and at the end. */
    static void feed(EmbeddedChannel channel, TrackingAllocator alloc, byte[] bytes, int... cuts) {
        int from = 0;
        for (int cut : cuts) {
            if (cut > from) {
                channel.writeInbound(alloc.copyOf(bytes, from, cut));
                from = cut;
            }
        }
        if (from < bytes.length) {
            channel.writeInbound(alloc.copyOf(bytes, from, bytes.length));
        }
    }

    static void feedBytewise(EmbeddedChannel channel, TrackingAllocator alloc, byte[] bytes) {
        for (int i = 0; i < bytes.length; i++) {
            channel.writeInbound(alloc.copyOf(bytes, i, i + 1));
        }
    }

    /** A body written field by field, big-endian, as MessageBodies lays them out. */
    static final class Body {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Body u8(int v) {
            out.write(v);
            return this;
        }

        Body u16(int v) {
            return u8(v >>> 8).u8(v);
        }

        Body i32(int v) {
            out.writeBytes(ByteBuffer.allocate(4).putInt(v).array());
            return this;
        }

        Body i64(long v) {
            out.writeBytes(ByteBuffer.allocate(8).putLong(v).array());
            return this;
        }

        Body bytes(byte[] v) {
            out.writeBytes(v);
            return this;
        }

        /** u8 length and the bytes. */
        Body lengthAndBytes(byte[] v) {
            return u8(v.length).bytes(v);
        }

        Body string(String s) {
            return lengthAndBytes(s.getBytes(StandardCharsets.UTF_8));
        }

        byte[] toBytes() {
            return out.toByteArray();
        }
    }
}
