package io.replicator.wire;

import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCounted;
import io.replicator.core.DiskState;
import io.replicator.core.Generation;
import io.replicator.core.Role;
import io.replicator.core.SyncKind;
import java.util.List;

/**
 * Every message of the replication link. Handshake messages come first (Hello, Auth, NodeInfo, or
 * Refused); then stream messages, each with a position {@code pos} that counts up by one per stream
 * message on this connection, so that the receiver's cumulative {@link Ack} can name them. Messages
 * that carry a {@link ByteBuf} own one reference to it: whoever consumes the message releases it.
 */
public sealed interface Message {

    /** Write flags. */
    int FLAG_FUA = 1;
    /** Zeroes flag: the range may become a hole. */
    int FLAG_PUNCH = 2;

    /** Messages that belong to the ordered stream and are acknowledged by position. */
    sealed interface Stream extends Message {
        long pos();
    }

    /**
     * A message that carries data: its reference count is the data's, so Netty releases it like a
     * buffer (after encoding, or when a write fails on a closed channel).
     */
    interface Carrying extends ReferenceCounted {
        ByteBuf data();

        @Override
        default int refCnt() {
            return data().refCnt();
        }

        @Override
        default ReferenceCounted retain() {
            data().retain();
            return this;
        }

        @Override
        default ReferenceCounted retain(int increment) {
            data().retain(increment);
            return this;
        }

        @Override
        default ReferenceCounted touch() {
            data().touch();
            return this;
        }

        @Override
        default ReferenceCounted touch(Object hint) {
            data().touch(hint);
            return this;
        }

        @Override
        default boolean release() {
            return data().release();
        }

        @Override
        default boolean release(int decrement) {
            return data().release(decrement);
        }
    }

    // --- handshake ---

    /** First message from each side; {@code nonce} is the challenge the other side must answer. */
    record Hello(int version, String resource, String node, long sizeBytes, byte[] nonce) implements Message {
    }

    /** HMAC-SHA256 over the other side's nonce and this side's name; the secret never crosses. */
    record Auth(byte[] mac) implements Message {
    }

    /** The sender will close the link; {@code reason} is for the log. */
    record Refused(String reason) implements Message {
    }

    /**
     * The sender's metadata, sent after authentication and again whenever role or disk changes: the
     * generation identifiers (see {@link io.replicator.core.Metadata}) and the bytes its bitmap marks
     * ({@code changedBytes}: what it wrote without the peer, for the split-brain policies), whether the
     * operator connected it with {@code --discard-my-data}, and whether its disk is {@code suspect} (it lost
     * its page cache under a running daemon: only a sync makes the pair identical again), and where: the
     * activity log's hot extents at the loss ({@code suspectExtents}, sorted; null: anywhere, a full sync).
     */
    record NodeInfo(Role role, DiskState disk, long lastSeq, boolean justCreated, List<Generation> generations,
            long bitmapUuid, boolean bitmapFromPrimary, long changedBytes, boolean discardMyData, boolean suspect,
            List<Long> suspectExtents) implements Message {
        public long currentUuid() {
            return generations.isEmpty() ? 0 : generations.get(0).uuid();
        }
    }

    // --- the ordered stream, source to target ---

    record Write(long pos, long seq, long offset, int flags, ByteBuf data) implements Stream, Carrying {
    }

    record Trim(long pos, long seq, long offset, long length, int flags) implements Stream {
    }

    record Zeroes(long pos, long seq, long offset, long length, int flags) implements Stream {
    }

    /** Every stream message before it is written and synced before any after it is applied. */
    record Barrier(long pos, long seq) implements Stream {
    }

    /**
     * A sync begins. For {@code journal} the target keeps its data and receives the writes from
     * {@code fromSeq}; for {@code bitmap} and {@code full} it becomes Inconsistent, restarts its
     * journal at {@code nextSeq}, takes the source's {@code generations} at once (so that an interrupted
     * sync resumes from the source's bitmap), and receives regions ({@code totalBytes} in all) between
     * live writes.
     */
    record SyncStart(long pos, SyncKind kind, long fromSeq, long nextSeq, long totalBytes, List<Generation> generations)
            implements Stream {
    }

    record ResyncData(long pos, long offset, ByteBuf data) implements Stream, Carrying {
    }

    record ResyncHole(long pos, long offset, long length) implements Stream {
    }

    /**
     * The sender's SHA-256 of a region, in stream order (so it covers every write before it): the receiver
     * compares its own and answers with a {@link DigestReply}. For a resync ({@code verify} false) the
     * source then sends the region's data; for an online verify the region is reported (and rewritten if
     * the operator asked for a repair).
     */
    record Digest(long pos, long offset, int length, boolean verify, byte[] sha256) implements Stream {
    }

    /** The sync is complete: the target holds the source's data up to {@code seq} and adopts its generations. */
    record InSync(long pos, long seq, List<Generation> generations) implements Stream {
    }

    // --- target to source, and either way ---

    /** Cumulative: every stream message up to each position was received / written / written and synced. */
    record Ack(long received, long written, long synced) implements Message {
    }

    /**
     * Target to source: the answer to a {@link Digest}, whether the region is {@code equal} here. Every digest
     * gets one, so the source never has to infer an answer from the order of acks.
     */
    record DigestReply(long offset, int length, boolean verify, boolean equal) implements Message {
    }

    record Ping(long id) implements Message {
    }

    record Pong(long id) implements Message {
    }

    /** Asks the peer to agree that the sender becomes Primary (at most one Primary). */
    record PromoteRequest(long id) implements Message {
    }

    record PromoteReply(long id, boolean granted, String reason) implements Message {
    }
}
