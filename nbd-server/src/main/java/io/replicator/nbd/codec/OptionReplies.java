package io.replicator.nbd.codec;

import static io.replicator.nbd.wire.NbdConstants.*;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;

/** Handshake-phase messages the server sends: the greeting and option replies. */
public final class OptionReplies {
    private OptionReplies() {}

    public static ByteBuf greeting(ByteBufAllocator alloc) {
        return alloc.buffer(18).writeLong(NBDMAGIC).writeLong(IHAVEOPT).writeShort(FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES);
    }

    public static ByteBuf reply(ByteBufAllocator alloc, int option, int type, byte[] data) {
        ByteBuf buf = alloc.buffer(20 + data.length);
        buf.writeLong(OPTION_REPLY_MAGIC).writeInt(option).writeInt(type).writeInt(data.length).writeBytes(data);
        return buf;
    }

    public static ByteBuf ack(ByteBufAllocator alloc, int option) {
        return reply(alloc, option, REP_ACK, new byte[0]);
    }

    /** An error reply; the message is for humans (libnbd and qemu print it). */
    public static ByteBuf error(ByteBufAllocator alloc, int option, int errorType, String message) {
        return reply(alloc, option, errorType, message.getBytes(StandardCharsets.UTF_8));
    }

    /** REP_SERVER for LIST: u32 name length, name, then the description. */
    public static ByteBuf server(ByteBufAllocator alloc, String name, String description) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        byte[] d = description.getBytes(StandardCharsets.UTF_8);
        ByteBuf data = alloc.buffer(4 + n.length + d.length).writeInt(n.length).writeBytes(n).writeBytes(d);
        return withData(alloc, OPT_LIST, REP_SERVER, data);
    }

    public static ByteBuf infoExport(ByteBufAllocator alloc, int option, long sizeBytes, int transmissionFlags) {
        ByteBuf data = alloc.buffer(12).writeShort(INFO_EXPORT).writeLong(sizeBytes).writeShort(transmissionFlags);
        return withData(alloc, option, REP_INFO, data);
    }

    public static ByteBuf infoString(ByteBufAllocator alloc, int option, int infoType, String value) {
        byte[] v = value.getBytes(StandardCharsets.UTF_8);
        ByteBuf data = alloc.buffer(2 + v.length).writeShort(infoType).writeBytes(v);
        return withData(alloc, option, REP_INFO, data);
    }

    public static ByteBuf infoBlockSize(ByteBufAllocator alloc, int option, int minBytes, int preferredBytes, int maxBytes) {
        ByteBuf data = alloc.buffer(14).writeShort(INFO_BLOCK_SIZE).writeInt(minBytes).writeInt(preferredBytes).writeInt(maxBytes);
        return withData(alloc, option, REP_INFO, data);
    }

    public static ByteBuf metaContext(ByteBufAllocator alloc, int option, int contextId, String name) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        ByteBuf data = alloc.buffer(4 + n.length).writeInt(contextId).writeBytes(n);
        return withData(alloc, option, REP_META_CONTEXT, data);
    }

    /** The reply to EXPORT_NAME: size, flags, and 124 zero bytes unless NO_ZEROES was negotiated. */
    public static ByteBuf exportNameReply(ByteBufAllocator alloc, long sizeBytes, int transmissionFlags, boolean noZeroes) {
        ByteBuf buf = alloc.buffer(noZeroes ? 10 : 134).writeLong(sizeBytes).writeShort(transmissionFlags);
        if (!noZeroes) {
            buf.writeZero(124);
        }
        return buf;
    }

    private static ByteBuf withData(ByteBufAllocator alloc, int option, int type, ByteBuf data) {
        try {
            ByteBuf buf = alloc.buffer(20 + data.readableBytes());
            buf.writeLong(OPTION_REPLY_MAGIC).writeInt(option).writeInt(type).writeInt(data.readableBytes()).writeBytes(data);
            return buf;
        } finally {
            data.release();
        }
    }
}
