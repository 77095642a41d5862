package io.replicator.wire;

import static io.replicator.wire.WireConstants.MAX_GENERATIONS;
import static io.replicator.wire.WireConstants.MAX_SUSPECT_EXTENTS;
import static io.replicator.wire.WireConstants.MAX_MAC_BYTES;
import static io.replicator.wire.WireConstants.MAX_NONCE_BYTES;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.replicator.core.DiskState;
import io.replicator.core.Generation;
import io.replicator.core.Role;
import io.replicator.core.SyncKind;
import io.replicator.wire.Message.Ack;
import io.replicator.wire.Message.Auth;
import io.replicator.wire.Message.Barrier;
import io.replicator.wire.Message.Hello;
import io.replicator.wire.Message.InSync;
import io.replicator.wire.Message.NodeInfo;
import io.replicator.wire.Message.Ping;
import io.replicator.wire.Message.Pong;
import io.replicator.wire.Message.PromoteReply;
import io.replicator.wire.Message.PromoteRequest;
import io.replicator.wire.Message.Refused;
import io.replicator.wire.Message.ResyncData;
import io.replicator.wire.Message.ResyncHole;
import io.replicator.wire.Message.SyncStart;
import io.replicator.wire.Message.Trim;
import io.replicator.wire.Message.Write;
import io.replicator.wire.Message.Zeroes;
import java.util.List;

/**
 * The body of each message, both ways, side by side: its fields in record order, big-endian; a
 * string is a u8 length and UTF-8, a byte[] a u8 length and its bytes, an enum its ordinal as a u8, a
 * boolean a u8 0 or 1, a list a u16 count and its entries; a ByteBuf {@code data} is the rest of the
 * body (its length implied). Values are checked by {@link MessageRules}, not here.
 */
final class MessageBodies {

    private static final Role[] ROLES = Role.values();
    private static final DiskState[] DISK_STATES = DiskState.values();
    private static final SyncKind[] SYNC_KINDS = SyncKind.values();

    private MessageBodies() {
    }

    /** The message's payload, or null if its type has none. */
    static ByteBuf dataOf(Message message) {
        if (message instanceof Write w) {
            return w.data();
        }
        if (message instanceof ResyncData r) {
            return r.data();
        }
        return null;
    }

    /** Writes every field but the data (which the caller appends or sends as it is). */
    static void writeFields(Message message, ByteBuf out) {
        switch (MessageType.of(message)) {
            case HELLO -> {
                Hello m = (Hello) message;
                out.writeInt(m.version());
                writeString(out, m.resource());
                writeString(out, m.node());
                out.writeLong(m.sizeBytes());
                writeBytes(out, m.nonce());
            }
            case AUTH -> writeBytes(out, ((Auth) message).mac());
            case REFUSED -> writeString(out, ((Refused) message).reason());
            case NODE_INFO -> {
                NodeInfo m = (NodeInfo) message;
                out.writeByte(m.role().ordinal());
                out.writeByte(m.disk().ordinal());
                out.writeLong(m.lastSeq());
                out.writeByte(m.justCreated() ? 1 : 0);
                writeGenerations(out, m.generations());
                out.writeLong(m.bitmapUuid());
                out.writeByte(m.bitmapFromPrimary() ? 1 : 0);
                out.writeLong(m.changedBytes());
                out.writeByte(m.discardMyData() ? 1 : 0);
                out.writeByte(m.suspect() ? 1 : 0);
                out.writeByte(m.suspectExtents() == null ? 0 : 1);
                if (m.suspectExtents() != null) {
                    out.writeShort(m.suspectExtents().size());
                    for (long extent : m.suspectExtents()) {
                        out.writeLong(extent);
                    }
                }
            }
            case WRITE -> {
                Write m = (Write) message;
                out.writeLong(m.pos()).writeLong(m.seq()).writeLong(m.offset()).writeInt(m.flags());
            }
            case TRIM -> {
                Trim m = (Trim) message;
                out.writeLong(m.pos()).writeLong(m.seq()).writeLong(m.offset()).writeLong(m.length()).writeInt(m.flags());
            }
            case ZEROES -> {
                Zeroes m = (Zeroes) message;
                out.writeLong(m.pos()).writeLong(m.seq()).writeLong(m.offset()).writeLong(m.length()).writeInt(m.flags());
            }
            case BARRIER -> {
                Barrier m = (Barrier) message;
                out.writeLong(m.pos()).writeLong(m.seq());
            }
            case SYNC_START -> {
                SyncStart m = (SyncStart) message;
                out.writeLong(m.pos());
                out.writeByte(m.kind().ordinal());
                out.writeLong(m.fromSeq()).writeLong(m.nextSeq()).writeLong(m.totalBytes());
                writeGenerations(out, m.generations());
            }
            case RESYNC_DATA -> {
                ResyncData m = (ResyncData) message;
                out.writeLong(m.pos()).writeLong(m.offset());
            }
            case RESYNC_HOLE -> {
                ResyncHole m = (ResyncHole) message;
                out.writeLong(m.pos()).writeLong(m.offset()).writeLong(m.length());
            }
            case IN_SYNC -> {
                InSync m = (InSync) message;
                out.writeLong(m.pos()).writeLong(m.seq());
                writeGenerations(out, m.generations());
            }
            case DIGEST -> {
                Message.Digest m = (Message.Digest) message;
                out.writeLong(m.pos()).writeLong(m.offset()).writeInt(m.length()).writeByte(m.verify() ? 1 : 0);
                writeBytes(out, m.sha256());
            }
            case DIGEST_REPLY -> {
                Message.DigestReply m = (Message.DigestReply) message;
                out.writeLong(m.offset()).writeInt(m.length()).writeByte(m.verify() ? 1 : 0).writeByte(m.equal() ? 1 : 0);
            }
            case ACK -> {
                Ack m = (Ack) message;
                out.writeLong(m.received()).writeLong(m.written()).writeLong(m.synced());
            }
            case PING -> out.writeLong(((Ping) message).id());
            case PONG -> out.writeLong(((Pong) message).id());
            case PROMOTE_REQUEST -> out.writeLong(((PromoteRequest) message).id());
            case PROMOTE_REPLY -> {
                PromoteReply m = (PromoteReply) message;
                out.writeLong(m.id());
                out.writeByte(m.granted() ? 1 : 0);
                writeString(out, m.reason());
            }
        }
    }

    /**
     * Reads a whole body. The data of a Write or ResyncData is a retained slice of the body's buffer:
     * if this throws, nothing was retained.
     */
    static Message read(BodyReader in, MessageType type) {
        Message message = switch (type) {
            case HELLO -> new Hello(in.i32("version"), in.string("resource"), in.string("node"), in.i64("sizeBytes"),
                    in.bytes("nonce", MAX_NONCE_BYTES));
            case AUTH -> new Auth(in.bytes("mac", MAX_MAC_BYTES));
            case REFUSED -> new Refused(in.string("reason"));
            case NODE_INFO -> new NodeInfo(in.enumValue("role", ROLES), in.enumValue("disk", DISK_STATES), in.i64("lastSeq"),
                    in.bool("justCreated"), in.generations("generations", MAX_GENERATIONS), in.i64("bitmapUuid"),
                    in.bool("bitmapFromPrimary"), in.i64("changedBytes"), in.bool("discardMyData"),
                    in.bool("suspect"), in.bool("hasSuspectExtents") ? in.longs("suspectExtents", MAX_SUSPECT_EXTENTS) : null);
            case WRITE -> new Write(in.i64("pos"), in.i64("seq"), in.i64("offset"), in.i32("flags"), in.rest());
            case TRIM -> new Trim(in.i64("pos"), in.i64("seq"), in.i64("offset"), in.i64("length"), in.i32("flags"));
            case ZEROES -> new Zeroes(in.i64("pos"), in.i64("seq"), in.i64("offset"), in.i64("length"), in.i32("flags"));
            case BARRIER -> new Barrier(in.i64("pos"), in.i64("seq"));
            case SYNC_START -> new SyncStart(in.i64("pos"), in.enumValue("kind", SYNC_KINDS), in.i64("fromSeq"),
                    in.i64("nextSeq"), in.i64("totalBytes"), in.generations("generations", MAX_GENERATIONS));
            case RESYNC_DATA -> new ResyncData(in.i64("pos"), in.i64("offset"), in.rest());
            case RESYNC_HOLE -> new ResyncHole(in.i64("pos"), in.i64("offset"), in.i64("length"));
            case IN_SYNC -> new InSync(in.i64("pos"), in.i64("seq"), in.generations("generations", MAX_GENERATIONS));
            case DIGEST -> new Message.Digest(in.i64("pos"), in.i64("offset"), in.i32("length"), in.bool("verify"),
                    in.bytes("sha256", WireConstants.DIGEST_BYTES));
            case DIGEST_REPLY -> new Message.DigestReply(in.i64("offset"), in.i32("length"), in.bool("verify"), in.bool("equal"));
            case ACK -> new Ack(in.i64("received"), in.i64("written"), in.i64("synced"));
            case PING -> new Ping(in.i64("id"));
            case PONG -> new Pong(in.i64("id"));
            case PROMOTE_REQUEST -> new PromoteRequest(in.i64("id"));
            case PROMOTE_REPLY -> new PromoteReply(in.i64("id"), in.bool("granted"), in.string("reason"));
        };
        in.end(); // the data (read last) took the rest; anything else left over is an error
        return message;
    }

    private static void writeString(ByteBuf out, String s) {
        int lengthIndex = out.writerIndex();
        out.writeByte(0);
        int length = ByteBufUtil.writeUtf8(out, s);
        out.setByte(lengthIndex, length);
    }

    private static void writeBytes(ByteBuf out, byte[] bytes) {
        out.writeByte(bytes.length).writeBytes(bytes);
    }

    private static void writeGenerations(ByteBuf out, List<Generation> generations) {
        out.writeShort(generations.size());
        for (Generation g : generations) {
            out.writeLong(g.uuid()).writeLong(g.firstSeq());
        }
    }
}
