package io.replicator.wire;

import static io.replicator.wire.WireConstants.BODY_LENGTH_OFFSET;
import static io.replicator.wire.WireConstants.CRC_START;
import static io.replicator.wire.WireConstants.FLAGS_OFFSET;
import static io.replicator.wire.WireConstants.FRAME_FLAG_LZ4;
import static io.replicator.wire.WireConstants.HEADER_BYTES;
import static io.replicator.wire.WireConstants.MAGIC;
import static io.replicator.wire.WireConstants.TRAILER_BYTES;
import static io.replicator.wire.WireConstants.UNCOMPRESSED_LENGTH_OFFSET;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageEncoder;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.zip.CRC32C;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;

/**
 * Writes each {@link Message} as one frame (layout in {@link WireConstants}). Without compression the
 * payload of a Write or ResyncData is not copied: the frame is a composite of a small header buffer,
 * a slice of the payload and the CRC, which is computed over NIO views of the payload. With
 * {@code compress}, a body of at least {@link #COMPRESS_MIN_BYTES} is copied and LZ4-compressed, and
 * sent compressed only if that made it smaller. Either way the frame holds its own reference to the
 * payload; the message's (a {@link Message.Carrying}) is released by MessageToMessageEncoder after encode.
 * A message that breaks {@link MessageRules} fails the write (an EncoderException): it is our bug.
 */
public final class FrameEncoder extends MessageToMessageEncoder<Message> {

    /** Smaller bodies (acks, pings) are not worth an attempt to compress. */
    static final int COMPRESS_MIN_BYTES = 64;

    private static final LZ4Compressor COMPRESSOR = LZ4Factory.fastestInstance().fastCompressor();

    private final boolean compress;
    private final CRC32C crc = new CRC32C();

    public FrameEncoder(boolean compress) {
        super(Message.class);
        this.compress = compress;
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, Message message, List<Object> out) {
        // a message with data is a Message.Carrying: MessageToMessageEncoder releases it (and so its data) after this
        ByteBuf data = MessageBodies.dataOf(message);
        MessageRules.check(message);
        MessageType type = MessageType.of(message);
        ByteBufAllocator alloc = ctx.alloc();
        ByteBuf frame;
        if (data != null && !compress) {
            frame = dataFrame(alloc, message, type, data);
        } else {
            frame = plainFrame(alloc, message, type, data);
            if (compress && bodyLength(frame) >= COMPRESS_MIN_BYTES) {
                frame = compressed(alloc, frame);
            }
            writeCrc(frame); // room for it was reserved
        }
        out.add(frame); // only once complete: the caller writes whatever is in out, even on error
    }

    /** Header and fields in one small buffer, then the payload as it is, then the CRC. */
    private ByteBuf dataFrame(ByteBufAllocator alloc, Message message, MessageType type, ByteBuf data) {
        ByteBuf head = alloc.buffer(HEADER_BYTES + type.maxFieldsBytes);
        ByteBuf trailer = null;
        try {
            head.writerIndex(HEADER_BYTES);
            MessageBodies.writeFields(message, head);
            int bodyLength = head.readableBytes() - HEADER_BYTES + data.readableBytes();
            writeHeader(head, type, 0, bodyLength, bodyLength);
            crc.reset();
            Crc32c.update(crc, head, CRC_START, head.readableBytes() - CRC_START);
            Crc32c.update(crc, data, data.readerIndex(), data.readableBytes());
            trailer = alloc.buffer(TRAILER_BYTES).writeInt((int) crc.getValue());
        } catch (RuntimeException e) {
            head.release();
            throw e;
        }
        CompositeByteBuf frame = alloc.compositeBuffer(3);
        frame.addComponents(true, head, data.retainedSlice(), trailer);
        return frame;
    }

    /** Header and body in one buffer with room for the CRC; the payload (if any) copied in. */
    private ByteBuf plainFrame(ByteBufAllocator alloc, Message message, MessageType type, ByteBuf data) {
        int dataLength = data == null ? 0 : data.readableBytes();
        ByteBuf frame = alloc.buffer(HEADER_BYTES + type.maxFieldsBytes + dataLength + TRAILER_BYTES);
        try {
            frame.writerIndex(HEADER_BYTES);
            MessageBodies.writeFields(message, frame);
            if (data != null) {
                frame.writeBytes(data, data.readerIndex(), dataLength);
            }
            int bodyLength = frame.readableBytes() - HEADER_BYTES;
            writeHeader(frame, type, 0, bodyLength, bodyLength);
            return frame;
        } catch (RuntimeException e) {
            frame.release();
            throw e;
        }
    }

    /**
     * The frame with its body compressed, if that is smaller; otherwise {@code plain} itself. Takes
     * over {@code plain}: it is released if not returned.
     */
    private ByteBuf compressed(ByteBufAllocator alloc, ByteBuf plain) {
        int bodyLength = bodyLength(plain);
        ByteBuf packed = alloc.buffer(HEADER_BYTES + COMPRESSOR.maxCompressedLength(bodyLength) + TRAILER_BYTES);
        try {
            ByteBuffer src = plain.nioBuffer(HEADER_BYTES, bodyLength);
            ByteBuffer dest = packed.nioBuffer(HEADER_BYTES, packed.capacity() - HEADER_BYTES - TRAILER_BYTES);
            int packedLength = COMPRESSOR.compress(src, src.position(), bodyLength, dest, dest.position(), dest.remaining());
            if (packedLength >= bodyLength) {
                packed.release();
                return plain;
            }
            packed.setBytes(0, plain, 0, HEADER_BYTES);
            packed.writerIndex(HEADER_BYTES + packedLength);
            packed.setByte(FLAGS_OFFSET, FRAME_FLAG_LZ4);
            packed.setInt(BODY_LENGTH_OFFSET, packedLength);
        } catch (RuntimeException e) {
            packed.release();
            plain.release();
            throw e;
        }
        plain.release();
        return packed;
    }

    private static int bodyLength(ByteBuf frame) {
        return frame.getInt(BODY_LENGTH_OFFSET);
    }

    private static void writeHeader(ByteBuf frame, MessageType type, int flags, int bodyLength, int uncompressedLength) {
        frame.setInt(0, MAGIC);
        frame.setByte(WireConstants.TYPE_OFFSET, type.code);
        frame.setByte(FLAGS_OFFSET, flags);
        frame.setShort(WireConstants.RESERVED_OFFSET, 0);
        frame.setInt(BODY_LENGTH_OFFSET, bodyLength);
        frame.setInt(UNCOMPRESSED_LENGTH_OFFSET, uncompressedLength);
    }

    /** Appends the CRC of everything from the type byte to the writer index (the end of the body). */
    private void writeCrc(ByteBuf frame) {
        crc.reset();
        Crc32c.update(crc, frame, CRC_START, frame.writerIndex() - CRC_START);
        frame.writeInt((int) crc.getValue());
    }
}
