package io.replicator.wire;

import static io.replicator.wire.WireConstants.MAX_DATA_BYTES;
import static io.replicator.wire.WireConstants.MAX_GENERATIONS;
import static io.replicator.wire.WireConstants.MAX_MAC_BYTES;
import static io.replicator.wire.WireConstants.MAX_NONCE_BYTES;
import static io.replicator.wire.WireConstants.MAX_STRING_BYTES;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.replicator.core.Generation;
import java.util.List;

/**
 * The values a message may hold, checked by the encoder (a violation is our bug, found before it
 * reaches the peer) and by the decoder (a violation is a framing error): positions, sequence numbers,
 * offsets and lengths are never negative, a range does not overflow, flags have only known bits, and
 * every string, byte array, list and payload is within its bound.
 */
public final class MessageRules {

    private MessageRules() {
    }

    /** Throws IllegalArgumentException naming the first field that breaks a rule, and the rule. */
    public static void check(Message message) {
        switch (MessageType.of(message)) {
            case HELLO -> {
                Message.Hello m = (Message.Hello) message;
                nonNegative("Hello version", m.version());
                string("Hello resource", m.resource());
                string("Hello node", m.node());
                nonNegative("Hello sizeBytes", m.sizeBytes());
                bytes("Hello nonce", m.nonce(), MAX_NONCE_BYTES);
            }
            case AUTH -> bytes("Auth mac", ((Message.Auth) message).mac(), MAX_MAC_BYTES);
            case REFUSED -> string("Refused reason", ((Message.Refused) message).reason());
            case NODE_INFO -> {
                Message.NodeInfo m = (Message.NodeInfo) message;
                notNull("NodeInfo role", m.role());
                notNull("NodeInfo disk", m.disk());
                nonNegative("NodeInfo lastSeq", m.lastSeq());
                generations("NodeInfo generations", m.generations());
                nonNegative("NodeInfo changedBytes", m.changedBytes());
                if (m.suspectExtents() != null) {
                    extents("NodeInfo suspectExtents", m.suspectExtents());
                }
            }
            case WRITE -> {
                Message.Write m = (Message.Write) message;
                stream("Write", m.pos(), m.seq());
                range("Write", m.offset(), data("Write data", m.data()));
                flags("Write flags", m.flags(), Message.FLAG_FUA);
            }
            case TRIM -> {
                Message.Trim m = (Message.Trim) message;
                stream("Trim", m.pos(), m.seq());
                range("Trim", m.offset(), m.length());
                flags("Trim flags", m.flags(), Message.FLAG_FUA);
            }
            case ZEROES -> {
                Message.Zeroes m = (Message.Zeroes) message;
                stream("Zeroes", m.pos(), m.seq());
                range("Zeroes", m.offset(), m.length());
                flags("Zeroes flags", m.flags(), Message.FLAG_FUA | Message.FLAG_PUNCH);
            }
            case BARRIER -> {
                Message.Barrier m = (Message.Barrier) message;
                stream("Barrier", m.pos(), m.seq());
            }
            case SYNC_START -> {
                Message.SyncStart m = (Message.SyncStart) message;
                nonNegative("SyncStart pos", m.pos());
                notNull("SyncStart kind", m.kind());
                nonNegative("SyncStart fromSeq", m.fromSeq());
                nonNegative("SyncStart nextSeq", m.nextSeq());
                nonNegative("SyncStart totalBytes", m.totalBytes());
                generations("SyncStart generations", m.generations());
            }
            case RESYNC_DATA -> {
                Message.ResyncData m = (Message.ResyncData) message;
                nonNegative("ResyncData pos", m.pos());
                range("ResyncData", m.offset(), data("ResyncData data", m.data()));
            }
            case RESYNC_HOLE -> {
                Message.ResyncHole m = (Message.ResyncHole) message;
                nonNegative("ResyncHole pos", m.pos());
                range("ResyncHole", m.offset(), m.length());
            }
            case IN_SYNC -> {
                Message.InSync m = (Message.InSync) message;
                stream("InSync", m.pos(), m.seq());
                generations("InSync generations", m.generations());
            }
            case DIGEST -> {
                Message.Digest m = (Message.Digest) message;
                nonNegative("Digest pos", m.pos());
                region("Digest", m.offset(), m.length());
                notNull("Digest sha256", m.sha256());
                if (m.sha256().length != WireConstants.DIGEST_BYTES) {
                    throw new IllegalArgumentException("Digest sha256 length: " + m.sha256().length + " (expected: "
                            + WireConstants.DIGEST_BYTES + ")");
                }
            }
            case DIGEST_REPLY -> {
                Message.DigestReply m = (Message.DigestReply) message;
                region("DigestReply", m.offset(), m.length());
            }
            case ACK -> {
                Message.Ack m = (Message.Ack) message;
                nonNegative("Ack synced", m.synced());
                atMost("Ack synced", m.synced(), "written", m.written());
                atMost("Ack written", m.written(), "received", m.received());
            }
            case PING, PONG, PROMOTE_REQUEST -> {
                // any id
            }
            case PROMOTE_REPLY -> string("PromoteReply reason", ((Message.PromoteReply) message).reason());
        }
    }

    private static void stream(String type, long pos, long seq) {
        nonNegative(type + " pos", pos);
        nonNegative(type + " seq", seq);
    }

    private static void nonNegative(String what, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(what + ": " + value + " (expected: >= 0)");
        }
    }

    private static void atMost(String what, long value, String boundName, long bound) {
        if (value > bound) {
            throw new IllegalArgumentException(what + ": " + value + " (expected: <= " + boundName + " " + bound + ")");
        }
    }

    /** offset and length non-negative, and offset + length within a signed 64-bit byte address. */
    private static void range(String type, long offset, long length) {
        nonNegative(type + " offset", offset);
        nonNegative(type + " length", length);
        if (length > Long.MAX_VALUE - offset) {
            throw new IllegalArgumentException(type + " offset + length: " + offset + " + " + length
                    + " (expected: <= " + Long.MAX_VALUE + ")");
        }
    }

    /** A region of a digest: 1 to MAX_DATA_BYTES bytes, within the address range. */
    private static void region(String type, long offset, int length) {
        range(type, offset, length);
        if (length < 1 || length > MAX_DATA_BYTES) {
            throw new IllegalArgumentException(type + " length: " + length + " (expected: 1.." + MAX_DATA_BYTES + ")");
        }
    }

    private static void flags(String what, int flags, int known) {
        if ((flags & ~known) != 0) {
            throw new IllegalArgumentException(what + ": 0x" + Integer.toHexString(flags)
                    + " (expected: bits of 0x" + Integer.toHexString(known) + ")");
        }
    }

    private static int data(String what, ByteBuf data) {
        notNull(what, data);
        int length = data.readableBytes();
        if (length > MAX_DATA_BYTES) {
            throw new IllegalArgumentException(what + " length: " + length + " (expected: <= " + MAX_DATA_BYTES + ")");
        }
        return length;
    }

    private static void bytes(String what, byte[] bytes, int max) {
        notNull(what, bytes);
        if (bytes.length > max) {
            throw new IllegalArgumentException(what + " length: " + bytes.length + " (expected: <= " + max + ")");
        }
    }

    private static void string(String what, String s) {
        notNull(what, s);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                // UTF-8 has no form for it: the peer would read '?' instead
                throw new IllegalArgumentException(what + ": unpaired surrogate at index " + i);
            }
        }
        int length = ByteBufUtil.utf8Bytes(s);
        if (length > MAX_STRING_BYTES) {
            throw new IllegalArgumentException(what + " length: " + length + " UTF-8 bytes (expected: <= " + MAX_STRING_BYTES + ")");
        }
    }

    /** At most {@link WireConstants#MAX_SUSPECT_EXTENTS}, ascending, none negative. */
    private static void extents(String what, List<Long> extents) {
        if (extents.size() > WireConstants.MAX_SUSPECT_EXTENTS) {
            throw new IllegalArgumentException(what + " count: " + extents.size() + " (expected: <= "
                    + WireConstants.MAX_SUSPECT_EXTENTS + ")");
        }
        long previous = -1;
        for (int i = 0; i < extents.size(); i++) {
            Long e = extents.get(i);
            notNull(what + "[" + i + "]", e);
            if (e <= previous) {
                throw new IllegalArgumentException(what + "[" + i + "]: " + e + " (expected: > " + previous + ", ascending)");
            }
            previous = e;
        }
    }

    private static void generations(String what, List<Generation> generations) {
        notNull(what, generations);
        if (generations.size() > MAX_GENERATIONS) {
            throw new IllegalArgumentException(what + " count: " + generations.size() + " (expected: <= " + MAX_GENERATIONS + ")");
        }
        for (int i = 0; i < generations.size(); i++) {
            Generation g = generations.get(i);
            notNull(what + "[" + i + "]", g);
            nonNegative(what + "[" + i + "] firstSeq", g.firstSeq());
        }
    }

    private static void notNull(String what, Object value) {
        if (value == null) {
            throw new IllegalArgumentException(what + ": null");
        }
    }
}
