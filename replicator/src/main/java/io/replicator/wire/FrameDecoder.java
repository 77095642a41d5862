package io.replicator.wire;

import static io.replicator.wire.WireConstants.BODY_LENGTH_OFFSET;
import static io.replicator.wire.WireConstants.CRC_START;
import static io.replicator.wire.WireConstants.FLAGS_OFFSET;
import static io.replicator.wire.WireConstants.FRAME_FLAGS_KNOWN;
import static io.replicator.wire.WireConstants.FRAME_FLAG_LZ4;
import static io.replicator.wire.WireConstants.HEADER_BYTES;
import static io.replicator.wire.WireConstants.MAGIC;
import static io.replicator.wire.WireConstants.RESERVED_OFFSET;
import static io.replicator.wire.WireConstants.TRAILER_BYTES;
import static io.replicator.wire.WireConstants.TYPE_OFFSET;
import static io.replicator.wire.WireConstants.UNCOMPRESSED_LENGTH_OFFSET;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.zip.CRC32C;
import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;

/**
 * Reads frames (layout in {@link WireConstants}) into {@link Message}s. The header is checked as soon
 * as it is in: magic, known type and flags, reserved zero, and both lengths within the type's bound,
 * before a byte of the body is buffered. The body is parsed only once its CRC matches; an uncompressed
 * payload is a retained slice of the received bytes, a compressed body is decompressed into a buffer
 * of exactly its stated length. Any violation throws a {@link FramingException} and leaves the decoder
 * BROKEN: it drops everything after, while the handler above closes the connection.
 */
public final class FrameDecoder extends ByteToMessageDecoder {

    /** An LZ4 block holds at most 255 bytes of output per byte of input (a match's length bytes). */
    static final long LZ4_MAX_RATIO = 255;
    private static final LZ4SafeDecompressor DECOMPRESSOR = LZ4Factory.fastestInstance().safeDecompressor();

    private enum State { HEADER, BODY, BROKEN }

    private final CRC32C crc = new CRC32C();
    private State state = State.HEADER;
    private MessageType type;
    private boolean compressed;
    private int bodyLength;
    private int uncompressedLength;

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        try {
            switch (state) {
                case HEADER -> decodeHeader(ctx, in, out);
                case BODY -> decodeBody(ctx, in, out);
                case BROKEN -> in.skipBytes(in.readableBytes());
            }
        } catch (RuntimeException e) {
            // whatever went wrong, the stream's framing is lost: drop the rest while the link closes
            state = State.BROKEN;
            in.skipBytes(in.readableBytes());
            throw e;
        }
    }

    private void decodeHeader(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (in.readableBytes() < HEADER_BYTES) {
            return;
        }
        int at = in.readerIndex();
        int magic = in.getInt(at);
        if (magic != MAGIC) {
            throw new FramingException(String.format("frame magic: 0x%08x (expected: 0x%08x)", magic, MAGIC));
        }
        int code = in.getUnsignedByte(at + TYPE_OFFSET);
        type = MessageType.fromCode(code);
        if (type == null) {
            throw new FramingException(String.format("frame type: 0x%02x (expected: a known message type)", code));
        }
        int flags = in.getUnsignedByte(at + FLAGS_OFFSET);
        if ((flags & ~FRAME_FLAGS_KNOWN) != 0) {
            throw new FramingException(String.format("%s frame flags: 0x%02x (expected: bits of 0x%02x)", type, flags, FRAME_FLAGS_KNOWN));
        }
        compressed = (flags & FRAME_FLAG_LZ4) != 0;
        int reserved = in.getUnsignedShort(at + RESERVED_OFFSET);
        if (reserved != 0) {
            throw new FramingException(type + " frame reserved: " + reserved + " (expected: 0)");
        }
        long body = in.getUnsignedInt(at + BODY_LENGTH_OFFSET);
        long uncompressed = in.getUnsignedInt(at + UNCOMPRESSED_LENGTH_OFFSET);
        checkLengths(body, uncompressed);
        bodyLength = (int) body;
        uncompressedLength = (int) uncompressed;
        crc.reset();
        Crc32c.update(crc, in, at + CRC_START, HEADER_BYTES - CRC_START);
        in.skipBytes(HEADER_BYTES);
        state = State.BODY;
        decodeBody(ctx, in, out);
    }

    private void checkLengths(long body, long uncompressed) {
        if (uncompressed > type.maxBodyBytes) {
            throw new FramingException(type + " uncompressed body length: " + uncompressed + " (expected: <= " + type.maxBodyBytes + ")");
        }
        if (!compressed && body != uncompressed) {
            throw new FramingException(type + " body length: " + body + " (expected: " + uncompressed + ", the uncompressed length)");
        }
        if (compressed && body >= uncompressed) {
            throw new FramingException(type + " compressed body length: " + body + " (expected: < " + uncompressed + ", the uncompressed length)");
        }
        if (compressed && uncompressed > LZ4_MAX_RATIO * body) {
            // no LZ4 block expands more: refused before a small frame makes us allocate a large buffer
            throw new FramingException(type + " uncompressed body length: " + uncompressed + " (expected: <= " + LZ4_MAX_RATIO * body
                    + ", " + LZ4_MAX_RATIO + " times the compressed length)");
        }
    }

    private void decodeBody(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (in.readableBytes() < bodyLength + TRAILER_BYTES) {
            return;
        }
        int at = in.readerIndex();
        Crc32c.update(crc, in, at, bodyLength);
        int expected = (int) crc.getValue();
        int sent = in.getInt(at + bodyLength);
        if (sent != expected) {
            throw new FramingException(String.format("%s frame crc32c: 0x%08x (expected: 0x%08x)", type, sent, expected));
        }
        Message message;
        if (compressed) {
            ByteBuf body = decompress(ctx, in, at);
            try {
                message = parse(body, body.writerIndex());
            } finally {
                body.release(); // a payload holds its own reference
            }
            in.skipBytes(bodyLength);
        } else {
            message = parse(in, at + bodyLength);
        }
        in.skipBytes(TRAILER_BYTES);
        state = State.HEADER;
        out.add(message);
    }

    private ByteBuf decompress(ChannelHandlerContext ctx, ByteBuf in, int at) {
        ByteBuf body = ctx.alloc().buffer(uncompressedLength, uncompressedLength);
        int length;
        try {
            ByteBuffer src = in.nioBuffer(at, bodyLength);
            ByteBuffer dest = body.nioBuffer(0, uncompressedLength);
            length = DECOMPRESSOR.decompress(src, src.position(), bodyLength, dest, dest.position(), uncompressedLength);
        } catch (LZ4Exception e) {
            body.release();
            throw new FramingException(type + " compressed body: not valid LZ4 for " + uncompressedLength + " bytes (" + e.getMessage() + ")");
        }
        if (length != uncompressedLength) {
            body.release();
            throw new FramingException(type + " decompressed body length: " + length + " (expected: " + uncompressedLength + ")");
        }
        return body.writerIndex(length);
    }

    /** The message in {@code body} up to {@code end}, its values checked. */
    private Message parse(ByteBuf body, int end) {
        Message message = MessageBodies.read(new BodyReader(body, end, type), type);
        try {
            MessageRules.check(message);
        } catch (IllegalArgumentException e) {
            ByteBuf data = MessageBodies.dataOf(message);
            if (data != null) {
                data.release();
            }
            throw new FramingException(e.getMessage());
        }
        return message;
    }
}
