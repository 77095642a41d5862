package io.replicator.nbd.codec;

import static io.replicator.nbd.wire.NbdConstants.*;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.replicator.nbd.wire.NbdError;
import java.nio.charset.StandardCharsets;

/**
 * Transmission-phase reply encoding. Replies are built as one buffer (header + data) so a READ's data
 * can be read from disk straight into its place behind the header and sent with a single write.
 */
public final class Replies {
    private Replies() {}

    public static final int STRUCTURED_READ_HEADER_BYTES = STRUCTURED_REPLY_HEADER_BYTES + 8;

    public static ByteBuf simple(ByteBufAllocator alloc, long cookie, NbdError error) {
        ByteBuf buf = alloc.directBuffer(SIMPLE_REPLY_HEADER_BYTES);
        writeSimpleHeader(buf, cookie, error);
        return buf;
    }

    public static void writeSimpleHeader(ByteBuf buf, long cookie, NbdError error) {
        buf.writeInt(SIMPLE_REPLY_MAGIC).writeInt(error.code).writeLong(cookie);
    }

    /** Header of a structured chunk whose payload of {@code payloadBytes} follows. */
    public static void writeChunkHeader(ByteBuf buf, int flags, int type, long cookie, int payloadBytes) {
        buf.writeInt(STRUCTURED_REPLY_MAGIC).writeShort(flags).writeShort(type).writeLong(cookie).writeInt(payloadBytes);
    }

    /** OFFSET_DATA chunk header (DONE set) for a read of {@code length} bytes at {@code offset}; data follows. */
    public static void writeReadChunkHeader(ByteBuf buf, long cookie, long offset, int length) {
        writeChunkHeader(buf, REPLY_FLAG_DONE, REPLY_TYPE_OFFSET_DATA, cookie, 8 + length);
        buf.writeLong(offset);
    }

    /** A final ERROR chunk: u32 error, u16 message length, message. */
    public static ByteBuf structuredError(ByteBufAllocator alloc, long cookie, NbdError error, String message) {
        byte[] text = message.getBytes(StandardCharsets.UTF_8);
        int textBytes = Math.min(text.length, MAX_STRING_BYTES);
        ByteBuf buf = alloc.directBuffer(STRUCTURED_REPLY_HEADER_BYTES + 6 + textBytes);
        writeChunkHeader(buf, REPLY_FLAG_DONE, REPLY_TYPE_ERROR, cookie, 6 + textBytes);
        buf.writeInt(error.code).writeShort(textBytes).writeBytes(text, 0, textBytes);
        return buf;
    }

    /** A final NONE chunk: ends a structured reply whose chunks were all sent without DONE. */
    public static ByteBuf structuredDone(ByteBufAllocator alloc, long cookie) {
        ByteBuf buf = alloc.directBuffer(STRUCTURED_REPLY_HEADER_BYTES);
        writeChunkHeader(buf, REPLY_FLAG_DONE, REPLY_TYPE_NONE, cookie, 0);
        return buf;
    }
}
