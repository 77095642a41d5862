package io.replicator.wire;

import static io.replicator.wire.WireConstants.MAX_DATA_BYTES;
import static io.replicator.wire.WireConstants.MAX_GENERATIONS;
import static io.replicator.wire.WireConstants.MAX_MAC_BYTES;
import static io.replicator.wire.WireConstants.MAX_NONCE_BYTES;
import static io.replicator.wire.WireConstants.MAX_STRING_BYTES;

/**
 * The wire code (u8) of each {@link Message} record, and the largest body it can have: a frame whose
 * header claims more is refused before a byte of its body is buffered.
 */
public enum MessageType {
    HELLO(0x01, Message.Hello.class, Size.I32 + Size.STRING + Size.STRING + Size.I64 + Size.NONCE),
    AUTH(0x02, Message.Auth.class, Size.MAC),
    REFUSED(0x03, Message.Refused.class, Size.STRING),
    NODE_INFO(0x04, Message.NodeInfo.class, Size.U8 + Size.U8 + Size.I64 + Size.U8 + Size.GENERATIONS + Size.I64 + Size.U8
            + Size.I64 + Size.U8 + Size.U8 + Size.EXTENTS),

    WRITE(0x10, Message.Write.class, Size.I64 + Size.I64 + Size.I64 + Size.I32, true),
    TRIM(0x11, Message.Trim.class, Size.I64 + Size.I64 + Size.I64 + Size.I64 + Size.I32),
    ZEROES(0x12, Message.Zeroes.class, Size.I64 + Size.I64 + Size.I64 + Size.I64 + Size.I32),
    BARRIER(0x13, Message.Barrier.class, Size.I64 + Size.I64),
    SYNC_START(0x14, Message.SyncStart.class, Size.I64 + Size.U8 + Size.I64 + Size.I64 + Size.I64
            + Size.GENERATIONS),
    RESYNC_DATA(0x15, Message.ResyncData.class, Size.I64 + Size.I64, true),
    RESYNC_HOLE(0x16, Message.ResyncHole.class, Size.I64 + Size.I64 + Size.I64),
    IN_SYNC(0x17, Message.InSync.class, Size.I64 + Size.I64 + Size.GENERATIONS),
    DIGEST(0x18, Message.Digest.class, Size.I64 + Size.I64 + Size.I32 + Size.U8 + Size.DIGEST),

    ACK(0x20, Message.Ack.class, Size.I64 + Size.I64 + Size.I64),
    PING(0x21, Message.Ping.class, Size.I64),
    PONG(0x22, Message.Pong.class, Size.I64),
    PROMOTE_REQUEST(0x23, Message.PromoteRequest.class, Size.I64),
    PROMOTE_REPLY(0x24, Message.PromoteReply.class, Size.I64 + Size.U8 + Size.STRING),
    DIGEST_REPLY(0x25, Message.DigestReply.class, Size.I64 + Size.I32 + Size.U8 + Size.U8);

    /** Encoded sizes of fields, for the bounds above (qualified, as enum constants come first). */
    private static final class Size {
        static final int U8 = 1;
        static final int I32 = 4;
        static final int I64 = 8;
        static final int STRING = 1 + MAX_STRING_BYTES;
        static final int NONCE = 1 + MAX_NONCE_BYTES;
        static final int MAC = 1 + MAX_MAC_BYTES;
        static final int DIGEST = 1 + WireConstants.DIGEST_BYTES;
        static final int GENERATIONS = 2 + MAX_GENERATIONS * (I64 + I64);
        static final int EXTENTS = 1 + 2 + WireConstants.MAX_SUSPECT_EXTENTS * I64;
    }

    private static final MessageType[] BY_CODE = new MessageType[256];
    private static final ClassValue<MessageType> BY_CLASS = new ClassValue<>() {
        @Override
        protected MessageType computeValue(Class<?> type) {
            for (MessageType t : values()) {
                if (t.recordClass == type) {
                    return t;
                }
            }
            throw new IllegalArgumentException("not a replication link message: " + type.getName());
        }
    };

    static {
        for (MessageType t : values()) {
            if (BY_CODE[t.code] != null) {
                throw new ExceptionInInitializerError("duplicate message code " + t.code);
            }
            BY_CODE[t.code] = t;
        }
    }

    /** The u8 on the wire. */
    public final int code;
    public final Class<? extends Message> recordClass;
    /** The largest encoding of every field but the data. */
    public final int maxFieldsBytes;
    /** Whether a {@code ByteBuf data} follows the fields, as the rest of the body. */
    public final boolean hasData;
    public final int maxBodyBytes;

    MessageType(int code, Class<? extends Message> recordClass, int maxFieldsBytes) {
        this(code, recordClass, maxFieldsBytes, false);
    }

    MessageType(int code, Class<? extends Message> recordClass, int maxFieldsBytes, boolean hasData) {
        this.code = code;
        this.recordClass = recordClass;
        this.maxFieldsBytes = maxFieldsBytes;
        this.hasData = hasData;
        this.maxBodyBytes = maxFieldsBytes + (hasData ? MAX_DATA_BYTES : 0);
    }

    public static MessageType of(Message message) {
        return BY_CLASS.get(message.getClass());
    }

    /** The type with this wire code, or null if none has it. */
    public static MessageType fromCode(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
