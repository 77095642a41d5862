package io.replicator.core;

import io.replicator.journal.Journal;
import java.util.ArrayDeque;

/**
 * The stream this node sends on one connection (it is the Primary or the sync source), guarded by the
 * core's lock. In CATCHUP the sync pump replays the journal and client writes are only journaled; in
 * RESYNC the pump copies dirty regions between live writes; in LIVE client writes are sent as they
 * come. A sync ends when the peer has synced the InSync marker and every region sent.
 */
final class Outbound {
    enum Mode { CATCHUP, RESYNC, LIVE }

    final PeerPort port;
    final AckTracker acks;
    /** The seq the peer held when this stream started: what it has synced before any ack. */
    final long startSeq;
    Mode mode;
    long nextPos;
    long lastSeqSent;
    long lastBarrierPos;
    long lastBarrierNanos;
    /** The stream position at the previous tick: unchanged means the stream is quiet. */
    long sentPosAtTick;

    // a sync in progress (kind != null until the peer has synced inSyncPos)
    SyncKind kind;
    long syncFromSeq;
    long syncTotalBytes;
    long syncStartNanos;
    Journal.Cursor cursor;
    long resyncCursor;
    long regionsSinceBarrier;
    long inSyncPos;
    /**
     * (pos, region, awaiting) of regions sent and not yet synced by the peer: their bits stay set until then;
     * awaiting is 1 while a digest's answer has not come.
     */
    final ArrayDeque<long[]> regionsInFlight = new ArrayDeque<>();
    /** A checksum-based resync: regions go as digests first, and as data only where the peer's differ. */
    boolean digests;
    /** Regions whose digest the peer found different: their data goes next. */
    final ArrayDeque<Long> wanted = new ArrayDeque<>();
    /** Resync digests sent whose answer has not come yet: the sync ends only once every one has. */
    long digestsAwaiting;
    /** An online verify running on this stream (null: none). */
    OnlineVerify verify;

    /** {@code firstPos}: 1 on a new connection; where an earlier stream on the same connection left off otherwise. */
    Outbound(PeerPort port, long maxBufferBytes, int windowMessages, long startSeq, Mode mode, long firstPos) {
        this.port = port;
        this.acks = new AckTracker(maxBufferBytes, windowMessages, firstPos);
        this.nextPos = firstPos;
        this.startSeq = startSeq;
        this.lastSeqSent = startSeq;
        this.mode = mode;
    }

    long takePos(long seq, long bytes) {
        long pos = nextPos++;
        lastSeqSent = Math.max(lastSeqSent, seq);
        acks.sent(pos, lastSeqSent, bytes);
        return pos;
    }

    long peerSyncedSeq() {
        return acks.syncedSeq(startSeq);
    }
}
