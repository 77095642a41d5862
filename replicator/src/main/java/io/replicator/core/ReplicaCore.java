package io.replicator.core;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ReferenceCountUtil;
import io.replicator.control.ControlResult;
import io.replicator.control.NodeStatus;
import io.replicator.journal.ActivityLog;
import io.replicator.journal.DirtyBitmap;
import io.replicator.journal.Journal;
import io.replicator.nbd.device.BlockDevice;
import io.replicator.wire.Message;
import io.replicator.wire.Message.InSync;
import io.replicator.wire.Message.NodeInfo;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.function.LongFunction;
import java.util.function.LongSupplier;

/**
 * One node of a replicated volume: roles, disk and connection states, the write path's ordering and
 * what the peer is sent. Plain logic under one lock, driven by calls (client requests, peer messages,
 * link up/down, a sync pump, a maintenance tick); no threads, no sockets and no wall clock of its own,
 * so the same code runs in the daemon and in the deterministic simulation.
 *
 * <p>Ordering rule: seq assignment, journal append, local write and send happen together under the
 * lock, so the journal, the local disk and the stream see writes in one order, and the peer (which
 * applies in stream order) ends up with the same bytes. Waiting for the peer and syncing the disk
 * happen outside the lock.
 */
public final class ReplicaCore {
    /** Regions a resync sends between two barriers (the peer syncs, and their bits may be cleared). */
    private static final int REGIONS_PER_BARRIER = 64;
    /**
     * Each node checkpoints by itself (syncs its journal and disk from the tick, outside the lock) when
     * it journaled {@code Settings.checkpointEveryBytes} since its last checkpoint, and at least this often, so
     * its journal stays within its size; a Secondary's checkpoint also advances its synced position, and
     * with it the Primary's journal retention. A live stream gets a barrier of its own only when it goes
     * quiet (cheap), or when the peer lags far behind: a barrier stalls the peer's stream while it syncs.
     */
    private static final long CHECKPOINT_INTERVAL_NANOS = 30_000_000_000L;
    private static final long PERSIST_INTERVAL_NANOS = 1_000_000_000L;

    public interface EventLog {
        void info(String message);

        void warn(String message);

        /** A split brain was found on connect (the daemon runs the configured handler). */
        default void splitBrain(String detail) {
        }
    }

    public interface MetadataPort {
        void store(Metadata metadata) throws IOException;
    }

    /** Where a split-brain victim saves its changed blocks before the resync overwrites them. */
    public interface DivergenceFiles {
        /** A new sparse file of {@code sizeBytes}, and the name the log and the status show for it. */
        Saved create(long sizeBytes) throws IOException;

        record Saved(BlockDevice device, String name) {
        }
    }

    /**
     * {@code checkpointEveryBytes}: data a node journals between two checkpoints of its own (a part of the
     * journal's size); the live stream gets a barrier when the peer holds twice that unsynced.
     */
    /**
     * {@code windowMessages}: stream messages the peer may hold unsynced ({@link AckTracker#WINDOW}; the
     * simulation also uses small ones). {@code bootId}: the machine's boot id (a power loss under a running
     * daemon shows as a new one at its restart).
     */
    public record Settings(String resource, String node, String peer, Protocol protocol, long maxBufferBytes,
            int windowMessages, long checkpointEveryBytes, SplitBrainPolicy splitBrain, String bootId) {
    }

    /** The result of {@link #pump}: bytes sent, or one of these. */
    public static final long IDLE = -1;
    public static final long BLOCKED = -2;

    private final Settings settings;
    private final BlockDevice disk;
    private final Journal journal;
    private final DirtyBitmap bitmap;
    private final ActivityLog activityLog; // null: none
    private final MetadataPort store;
    private final DivergenceFiles divergence;
    private final EventLog log;
    private final LongSupplier nanos;
    private final LongSupplier random;
    private final ByteBufAllocator alloc;

    // guarded by this (volatile where client threads read without the lock)
    private Metadata meta;
    private volatile Role role = Role.Secondary;
    private volatile DiskState diskState;
    private volatile ConnectionState connection = ConnectionState.Connecting;
    private boolean standAlone;
    /** The last connection found a split brain; cleared when the operator connects again. */
    private boolean splitBrain;
    /** {@code connect --discard-my-data}: offered to the peer in the next handshake, then cleared. */
    private boolean discardMyData;
    /** This node lost a split brain: save its changed blocks when the sync starts. */
    private boolean discardOnSync;
    /** Where the last split brain lost by this node saved its changed blocks (null: none). */
    private volatile String savedDivergence;
    /** The last online verify (running or done), for the status. */
    private OnlineVerify lastVerify;
    private MessageDigest sha256;
    private volatile PeerPort port;
    private NodeInfo peerInfo;
    private volatile Outbound out;
    private long inExpectedPos;
    /** Where this node's next outbound stream on the current connection starts (after a demotion dropped one). */
    private long outNextPos = 1;
    /** The connect verdict made this node the target: a SyncStart is on its way (no promotion meanwhile). */
    private boolean expectingSync;
    private volatile long inWritten;
    private volatile long inSynced;
    private SyncKind targetKind;
    private long targetTotalBytes;
    private long targetDoneBytes;
    private long targetStartNanos;
    /** A journal catch-up: the seqs the source held when it started (it journals more meanwhile). */
    private long targetFromSeq;
    private long targetEndSeq;
    private boolean needNewGeneration;
    /** This node was Primary when it last lost the peer (for the bitmap id's primary flag). */
    private boolean primaryWhenPeerLost;
    private long checkpointSeq;
    /** Data bytes this node journaled (client writes or the peer's stream), and how many a checkpoint covers. */
    private long journaledBytes;
    private long checkpointBytes;
    private long checkpointNanos;
    /** Counts journal restarts: a checkpoint taken across one no longer means anything. */
    private long journalResets;
    private long lastPersistNanos;
    private volatile boolean failed;
    private volatile boolean admitting = true;
    private volatile String lastError;
    private volatile long applicationWrites; // written under the lock
    private boolean promoting;
    private long promoteId;
    private PromoteWait promoteWait;

    private ReplicaCore(Settings settings, BlockDevice disk, ActivityLog activityLog, Journal journal, DirtyBitmap bitmap,
            Metadata meta, MetadataPort store, DivergenceFiles divergence, EventLog log, LongSupplier nanos, LongSupplier random,
            ByteBufAllocator alloc) {
        this.settings = settings;
        this.disk = disk;
        this.activityLog = activityLog;
        this.journal = journal;
        this.bitmap = bitmap;
        this.meta = meta;
        this.store = store;
        this.divergence = divergence;
        this.log = log;
        this.nanos = nanos;
        this.random = random;
        this.alloc = alloc;
        this.diskState = meta.disk();
        this.checkpointSeq = meta.checkpointSeq();
        this.checkpointNanos = nanos.getAsLong();
    }

    /**
     * Opens a node: redoes the journal entries the disk may lack after a crash (from the checkpoint
     * on), then starts tracking, in the bitmap, what the peer may lack.
     *
     * @param disk        the backing disk, seen through {@code activityLog} when there is one
     * @param activityLog the disk's activity log (null: none, and a power loss means a full sync)
     */
    public static ReplicaCore open(Settings settings, BlockDevice disk, ActivityLog activityLog, Journal journal,
            DirtyBitmap bitmap, Metadata meta, MetadataPort store, DivergenceFiles divergence, EventLog log, LongSupplier nanos,
            LongSupplier random, ByteBufAllocator alloc) throws IOException {
        ReplicaCore core = new ReplicaCore(settings, disk, activityLog, journal, bitmap, meta, store, divergence, log, nanos,
                random, alloc);
        synchronized (core) {
            core.recover();
        }
        return core;
    }

    private void recover() throws IOException {
        if (!meta.openedBoot().isEmpty() && !meta.openedBoot().equals(settings.bootId()) && !meta.justCreated()) {
            lostPageCache();
        }
        long from = meta.checkpointSeq() + 1;
        if (journal.lastSeq() < meta.checkpointSeq()) {
            log.warn("the journal ends at seq " + journal.lastSeq() + " but the disk holds writes up to seq "
                    + meta.checkpointSeq() + ": restarting the journal there");
            journal.reset(meta.checkpointSeq() + 1);
        } else if (journal.lastSeq() >= from) {
            if (journal.firstSeq() > from) {
                throw new IOException("the journal starts at seq " + journal.firstSeq() + " but the disk may lack writes from seq "
                        + from + ": cannot recover (the journal was trimmed past the checkpoint)");
            }
            long redone = 0;
            try (Journal.Cursor cursor = journal.read(from)) {
                for (Journal.Entry e = cursor.next(alloc); e != null; e = cursor.next(alloc)) {
                    applyLocal(e.type(), e.flags(), e.offset(), e.length(), e.data());
                    redone++;
                }
            }
            // after a kill -9 the entries may be in the page cache only: durable before the data they redo,
            // or a power loss would leave on disk writes that no journal (and no peer) knows of
            journal.sync();
            disk.flush();
            log.info("redid " + redone + " writes from the journal (seq " + from + " to " + journal.lastSeq() + ")");
        }
        checkpointSeq = journal.lastSeq();
        meta = meta.withBoot(settings.bootId(), meta.suspect());
        if (journal.lastSeq() > meta.peerSyncedSeq()) {
            // also when the bitmap is in use: writes sent live are marked only when the link goes down,
            // which a crash skips
            trackPeerGap(meta.peerSyncedSeq() + 1);
        }
        persist();
    }

    /**
     * Not stopped cleanly, and the machine restarted since: the page cache was lost, and the kernel may have
     * written a data block back before the journal page that records it; that block is on this disk only,
     * and no journal nor bitmap knows of it. It lies in an extent the activity log held hot: those are
     * recorded (with any from an earlier loss not yet synced) before the redo's writes can change the log.
     */
    private void lostPageCache() throws IOException {
        List<Long> extents = null;
        if (activityLog != null && (!meta.suspect() || meta.suspectExtents() != null)) {
            TreeSet<Long> union = new TreeSet<>(activityLog.recovered());
            if (meta.suspect()) {
                union.addAll(meta.suspectExtents());
            }
            extents = List.copyOf(union);
        }
        meta = meta.withSuspectExtents(extents);
        persist();
        log.warn("the machine restarted under a running daemon (boot " + meta.openedBoot() + " -> " + settings.bootId()
                + "): this disk may hold writes its journal lost; the next sync with " + settings.peer() + " compares "
                + (extents == null ? "the whole disk (no activity log)" : extents.size() + " extents of "
                + activityLog.extentBytes() + " bytes the activity log held hot") + " (a checksum sync)");
    }

    // ------------------------------------------------------------------ the write path (Primary)

    public Ticket write(long offset, ByteBuf data, boolean fua) throws IOException {
        int length = data.readableBytes();
        int flags = fua ? Message.FLAG_FUA : 0;
        synchronized (this) {
            long seq = beginWrite();
            try {
                journal.append(seq, Journal.WRITE, flags, offset, length, data);
                disk.write(offset, data.duplicate(), false);
            } catch (IOException | RuntimeException e) {
                throw fail("write at offset " + offset, e);
            }
            journaledBytes += length;
            return replicate(seq, offset, length, levelFor(fua), length,
                    pos -> new Message.Write(pos, seq, offset, flags, data.retainedSlice()));
        }
    }

    public Ticket trim(long offset, long length, boolean fua) throws IOException {
        int flags = fua ? Message.FLAG_FUA : 0;
        synchronized (this) {
            long seq = beginWrite();
            try {
                journal.append(seq, Journal.TRIM, flags, offset, length, null);
                disk.trim(offset, length, false);
            } catch (IOException | RuntimeException e) {
                throw fail("trim at offset " + offset, e);
            }
            return replicate(seq, offset, length, levelFor(fua), 0, pos -> new Message.Trim(pos, seq, offset, length, flags));
        }
    }

    public Ticket writeZeroes(long offset, long length, boolean mayPunch, boolean fua) throws IOException {
        int flags = (fua ? Message.FLAG_FUA : 0) | (mayPunch ? Message.FLAG_PUNCH : 0);
        synchronized (this) {
            long seq = beginWrite();
            try {
                journal.append(seq, Journal.ZEROES, flags, offset, length, null);
                disk.writeZeroes(offset, length, mayPunch, false, false);
            } catch (IOException | RuntimeException e) {
                throw fail("write-zeroes at offset " + offset, e);
            }
            return replicate(seq, offset, length, levelFor(fua), 0, pos -> new Message.Zeroes(pos, seq, offset, length, flags));
        }
    }

    /**
     * First half of a FLUSH: puts a barrier in the stream after every write completed so far. The
     * caller then runs {@link #syncLocal} and waits on the ticket (the peer's sync of the barrier).
     */
    public synchronized Ticket flush() throws IOException {
        checkPrimary();
        long seq = journal.lastSeq();
        if (out == null || out.mode == Outbound.Mode.CATCHUP) {
            return Ticket.local(seq);
        }
        long pos = sendBarrier(seq);
        return new Ticket(out.acks, pos, AckTracker.SYNCED, seq);
    }

    /** Makes the journal and the disk durable up to {@code seq} (outside the lock: other writes go on). */
    public void syncLocal(long seq) throws IOException {
        long bytes;
        synchronized (this) {
            bytes = journaledBytes; // at least what seq covers
        }
        try {
            syncJournalAndDisk();
            bitmap.force();
        } catch (IOException | RuntimeException e) {
            synchronized (this) {
                throw fail("flush", e);
            }
        }
        synchronized (this) {
            checkpointSeq = Math.max(checkpointSeq, seq);
            checkpointBytes = Math.max(checkpointBytes, bytes);
            checkpointNanos = nanos.getAsLong();
        }
    }

    /** The journal's fsync and the disk's at once (they are independent; the caller waits for both). */
    private void syncJournalAndDisk() throws IOException {
        Journal.PendingSync journalSync = journal.startSync();
        try {
            disk.flush();
        } finally {
            journalSync.await();
        }
    }

    /** Blocks while the link's send window is full (bounded memory for protocol A and B). */
    public void awaitRoom() throws InterruptedException {
        Outbound o = out; // volatile: no lock, so a writer waiting here does not queue behind the one writing
        if (o != null) {
            o.acks.awaitRoom();
        }
    }

    public void read(long offset, java.nio.ByteBuffer dst) throws IOException {
        checkPrimary();
        try {
            disk.read(offset, dst);
        } catch (IOException | RuntimeException e) {
            synchronized (this) {
                throw fail("read at offset " + offset, e);
            }
        }
    }

    /**
     * A journal catch-up is running: it must outpace the client writes it replays after, so the pump does not
     * yield to them (a resync or verify may: live writes go straight to the peer meanwhile).
     */
    public boolean catchingUp() {
        Outbound o = out;
        return o != null && o.mode == Outbound.Mode.CATCHUP;
    }

    /** Client writes (and trims, zeroes) so far: the sync pump yields while this moves. */
    public long applicationWrites() {
        return applicationWrites;
    }

    private long beginWrite() throws IOException {
        checkPrimary();
        applicationWrites++;
        if (needNewGeneration || meta.generations().isEmpty()) {
            newGeneration();
        }
        return journal.lastSeq() + 1;
    }

    private void checkPrimary() throws IOException {
        if (failed) {
            throw new IOException("the disk of " + settings.node() + " failed: " + lastError);
        }
        if (role != Role.Primary) {
            throw new NotPrimaryException(settings.resource() + " is Secondary on " + settings.node());
        }
    }

    private int levelFor(boolean fua) {
        if (fua) {
            return AckTracker.SYNCED;
        }
        return switch (settings.protocol()) {
            case A -> AckTracker.NONE;
            case B -> AckTracker.RECEIVED;
            case C -> AckTracker.WRITTEN;
        };
    }

    private Ticket replicate(long seq, long offset, long length, int level, long bytes, LongFunction<Message.Stream> message) {
        if (out != null && out.mode != Outbound.Mode.CATCHUP) {
            long pos = out.takePos(seq, bytes);
            out.port.send(message.apply(pos));
            return new Ticket(out.acks, pos, level, seq);
        }
        // the peer is away or catching up: the journal has the write; the bitmap covers it if the journal is trimmed
        bitmap.mark(offset, length);
        return Ticket.local(seq);
    }

    private void newGeneration() throws IOException {
        long firstSeq = journal.lastSeq() + 1;
        boolean peerAdopts = out != null && out.mode == Outbound.Mode.LIVE;
        if (!peerAdopts && meta.bitmapUuid() == 0 && (meta.currentUuid() != 0 || meta.justCreated())) {
            // the peer stays at the current generation: from here on the bitmap tracks what it lacks
            // against it (kept if already set: the bitmap still covers everything since that one); a disk
            // we made tracks against "just created", as DRBD does, so two fresh nodes that both wrote alone
            // meet as a split brain, not as unrelated data
            long old = meta.currentUuid() != 0 ? meta.currentUuid() : Metadata.JUST_CREATED_UUID;
            meta = meta.withBitmapUuid(old, primaryWhenPeerLost);
        }
        List<Generation> gens = new ArrayList<>();
        gens.add(new Generation(random.getAsLong(), firstSeq));
        gens.addAll(meta.generations());
        meta = meta.withGenerations(gens, false);
        persist();
        needNewGeneration = false;
        log.info("new generation " + Long.toHexString(gens.get(0).uuid()) + " from seq " + firstSeq
                + (port == null ? " (writing without the peer)" : ""));
        if (out != null && out.mode == Outbound.Mode.LIVE) {
            // the peer holds everything sent so far (a fresh pair's first write): it adopts the generation;
            // a SyncTarget adopts it with the InSync that ends its sync, never before (it would go UpToDate
            // with half of the regions)
            long pos = out.takePos(firstSeq - 1, 0);
            out.port.send(new InSync(pos, firstSeq - 1, meta.generations()));
        }
    }

    private long sendBarrier(long seq) {
        long pos = out.takePos(seq, 0);
        out.port.send(new Message.Barrier(pos, seq));
        out.lastBarrierPos = pos;
        out.lastBarrierNanos = nanos.getAsLong();
        return pos;
    }

    // ------------------------------------------------------------------ the receiving side

    /**
     * The acknowledgement to send on {@code from} for everything received up to {@code received}:
     * written and synced positions only if {@code from} is the connection this core applies (else 0:
     * before the applier handles a new connection's LinkUp, the positions still count the previous
     * connection's stream, and the peer would take them for this one's). Lock-free, for the event loop.
     * The fields are read at different moments, so they are clamped into the order the wire requires
     * (synced <= written <= received).
     */
    public Message.Ack ackFor(PeerPort from, long received) {
        if (from != port) {
            return new Message.Ack(received, 0, 0);
        }
        long written = inWritten; // linkUp resets these before it publishes port
        long synced = Math.min(inSynced, written);
        return new Message.Ack(Math.max(received, written), written, synced);
    }

    /**
     * Applies one stream message from the peer, in order. A message that breaks the protocol throws
     * {@link ProtocolException} before it touches the disk; the caller closes the link.
     */
    public synchronized void onStream(PeerPort from, Message.Stream m) throws ProtocolException, IOException {
        try {
            if (from != port) {
                return;
            }
            if (m.pos() != inExpectedPos) {
                throw new ProtocolException("stream position " + m.pos() + " (expected: " + inExpectedPos + ")");
            }
            if (role == Role.Primary) {
                throw new ProtocolException("the peer sent a replication stream to the Primary");
            }
            if (failed) {
                throw new ProtocolException("this node's disk failed: " + lastError);
            }
            apply(m);
            inExpectedPos++;
            inWritten = m.pos();
        } finally {
            release(m);
        }
    }

    private void apply(Message.Stream m) throws ProtocolException, IOException {
        try {
            if (m instanceof Message.Write w) {
                checkRange(w.offset(), w.data().readableBytes());
                appendReceived(w.seq(), Journal.WRITE, w.flags(), w.offset(), w.data().readableBytes(), w.data());
                disk.write(w.offset(), w.data().duplicate(), false);
                syncIfFua(w.flags(), m.pos());
            } else if (m instanceof Message.Trim t) {
                checkRange(t.offset(), t.length());
                appendReceived(t.seq(), Journal.TRIM, t.flags(), t.offset(), t.length(), null);
                disk.trim(t.offset(), t.length(), false);
                syncIfFua(t.flags(), m.pos());
            } else if (m instanceof Message.Zeroes z) {
                checkRange(z.offset(), z.length());
                appendReceived(z.seq(), Journal.ZEROES, z.flags(), z.offset(), z.length(), null);
                disk.writeZeroes(z.offset(), z.length(), (z.flags() & Message.FLAG_PUNCH) != 0, false, false);
                syncIfFua(z.flags(), m.pos());
            } else if (m instanceof Message.Barrier) {
                syncReceived(m.pos());
            } else if (m instanceof Message.SyncStart s) {
                startTarget(s);
            } else if (m instanceof Message.ResyncData r) {
                checkResync(r.offset(), r.data().readableBytes());
                disk.write(r.offset(), r.data().duplicate(), false);
                targetDoneBytes += r.data().readableBytes();
            } else if (m instanceof Message.Digest d) {
                compareDigest(d);
            } else if (m instanceof Message.ResyncHole h) {
                checkResync(h.offset(), h.length());
                disk.writeZeroes(h.offset(), h.length(), true, false, false);
                targetDoneBytes += h.length();
            } else if (m instanceof InSync i) {
                finishTarget(i);
            } else {
                throw new ProtocolException("unexpected stream message " + m.getClass().getSimpleName());
            }
        } catch (ProtocolException e) {
            throw e;
        } catch (IOException e) {
            throw fail("applying the peer's stream", e);
        }
    }

    private void appendReceived(long seq, byte type, int flags, long offset, long length, ByteBuf data)
            throws ProtocolException, IOException {
        if (seq != journal.lastSeq() + 1) {
            throw new ProtocolException("write seq " + seq + " (expected: " + (journal.lastSeq() + 1) + ")");
        }
        journal.append(seq, type, flags, offset, length, data);
        if (data != null) {
            journaledBytes += length;
        }
        if (meta.bitmapSinceSeq() > 0) {
            // the bitmap claims every write from its start seq on: a write received from the peer is one too (a
            // peer that crashes before syncing it comes back without it, and this node may then be its source)
            bitmap.mark(offset, length);
        }
    }

    private void checkRange(long offset, long length) throws ProtocolException {
        if (offset < 0 || length < 0 || offset + length > disk.sizeBytes()) {
            throw new ProtocolException("range " + offset + "+" + length + " outside the volume (" + disk.sizeBytes() + " bytes)");
        }
    }

    /**
     * The source's digest of a region (a resync's or a verify's): answered, equal or not, with a DigestReply.
     */
    private void compareDigest(Message.Digest d) throws ProtocolException, IOException {
        if (d.verify()) {
            checkRange(d.offset(), d.length());
        } else {
            checkResync(d.offset(), d.length());
        }
        boolean equal = Arrays.equals(regionDigest(d.offset(), d.length()), d.sha256());
        port.send(new Message.DigestReply(d.offset(), d.length(), d.verify(), equal));
        if (equal && !d.verify()) {
            targetDoneBytes += d.length();
        }
    }

    /** SHA-256 of {@code length} bytes of the local disk at {@code offset}. */
    private byte[] regionDigest(long offset, int length) throws IOException {
        ByteBuf buf = readRegion(offset, length);
        try {
            MessageDigest sha = sha256();
            sha.update(buf.nioBuffer());
            return sha.digest();
        } finally {
            buf.release();
        }
    }

    /** {@code length} bytes of the local disk at {@code offset}, in a new buffer the caller releases. */
    private ByteBuf readRegion(long offset, int length) throws IOException {
        ByteBuf buf = alloc.directBuffer(length);
        try {
            disk.read(offset, buf.nioBuffer(0, length));
        } catch (IOException | RuntimeException e) {
            buf.release();
            throw e;
        }
        return buf.writerIndex(length);
    }

    /** Bytes of the region at {@code offset}: a whole region, or what is left of the volume. */
    private int regionLength(long offset) {
        return (int) Math.min(bitmap.regionBytes(), disk.sizeBytes() - offset);
    }

    private MessageDigest sha256() {
        if (sha256 == null) {
            try {
                sha256 = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("the JVM has no SHA-256", e);
            }
        }
        return sha256;
    }

    private void checkResync(long offset, long length) throws ProtocolException {
        if (targetKind == null || targetKind == SyncKind.journal) {
            throw new ProtocolException("resync data outside a bitmap or full sync");
        }
        checkRange(offset, length);
    }

    private void syncIfFua(int flags, long pos) throws IOException {
        if ((flags & Message.FLAG_FUA) != 0) {
            syncReceived(pos);
        }
    }

    /** A barrier: everything before it is applied (in order) and now made durable before anything after. */
    private void syncReceived(long pos) throws IOException {
        syncJournalAndDisk();
        checkpointSeq = journal.lastSeq();
        checkpointBytes = journaledBytes;
        checkpointNanos = nanos.getAsLong();
        inSynced = pos;
    }

    private void startTarget(Message.SyncStart s) throws ProtocolException, IOException {
        if (s.kind() == SyncKind.journal) {
            if (s.fromSeq() != journal.lastSeq() + 1) {
                throw new ProtocolException("journal catch-up from seq " + s.fromSeq() + " (expected: " + (journal.lastSeq() + 1) + ")");
            }
            diskState = diskState.isUsable() ? DiskState.Consistent : diskState;
        } else {
            if (s.nextSeq() < 1) {
                throw new ProtocolException("sync restarting the journal at seq " + s.nextSeq());
            }
            // Inconsistent is durable before the first block is overwritten, and so is the checkpoint at
            // the journal's new start: a restart must not look for the entries the reset drops (the sync
            // rewrites whatever they touched)
            if (discardOnSync) {
                saveDivergence();
            }
            diskState = DiskState.Inconsistent;
            checkpointSeq = s.nextSeq() - 1;
            // it also takes the source's generations now: an interrupted sync then resumes from the source's
            // bitmap (same current generation, this disk Inconsistent) instead of starting over
            meta = meta.withDisk(DiskState.Inconsistent).withGenerations(s.generations(), false).withBitmapUuid(0, false)
                    .withSeqs(checkpointSeq, meta.bitmapSinceSeq(), meta.peerSyncedSeq());
            persist();
            journal.reset(s.nextSeq());
            journalResets++;
        }
        targetKind = s.kind();
        expectingSync = false;
        targetTotalBytes = s.totalBytes();
        targetDoneBytes = 0;
        targetStartNanos = nanos.getAsLong();
        targetFromSeq = s.fromSeq();
        targetEndSeq = s.nextSeq() - 1;
        log.info("SyncTarget: " + s.kind() + " sync from " + settings.peer() + " (" + s.totalBytes() + " bytes out of sync)");
        sendNodeInfo();
    }

    /**
     * A split-brain victim keeps what it wrote since the split: every region its bitmap marks (its own
     * writes without the peer, and any not yet resynced) is copied to a sparse file before the sync
     * overwrites it. The operator can still read it back from there.
     */
    private void saveDivergence() throws IOException {
        discardOnSync = false;
        DivergenceFiles.Saved saved = divergence.create(disk.sizeBytes());
        long bytes = 0;
        try (BlockDevice file = saved.device()) {
            for (long region = bitmap.nextDirty(0); region >= 0; region = bitmap.nextDirty(region + 1)) {
                long offset = region * bitmap.regionBytes();
                ByteBuf data = readRegion(offset, regionLength(offset));
                try {
                    bytes += data.readableBytes();
                    file.write(offset, data, false);
                } finally {
                    data.release();
                }
            }
            file.flush();
        }
        savedDivergence = saved.name();
        log.warn("split brain: saved " + bytes + " bytes of this node's changed blocks to " + saved.name()
                + " before the resync from " + settings.peer() + " overwrites them");
    }

    private void finishTarget(InSync i) throws ProtocolException, IOException {
        if (i.seq() != journal.lastSeq()) {
            throw new ProtocolException("in sync at seq " + i.seq() + " but this node holds up to seq " + journal.lastSeq());
        }
        syncReceived(i.pos());
        boolean wasSync = targetKind != null;
        diskState = DiskState.UpToDate;
        targetKind = null;
        meta = meta.withGenerations(i.generations(), false).withDisk(DiskState.UpToDate).withBitmapUuid(0, false);
        if (wasSync) {
            // this disk now holds the peer's data: what the bitmap said the peer lacked is void (its "since"
            // would otherwise claim to cover the writes received here, which it never marked)
            bitmap.clearAll();
            meta = meta.withSeqs(checkpointSeq, 0, i.seq()).withBoot(meta.openedBoot(), false);
        }
        persist();
        if (wasSync) {
            log.info("in sync with " + settings.peer() + " at seq " + i.seq() + ": disk UpToDate");
        }
        sendNodeInfo();
    }

    // ------------------------------------------------------------------ the link

    /** The current view of this node for the peer. */
    public synchronized NodeInfo nodeInfo() {
        return new NodeInfo(role, diskState, journal.lastSeq(), meta.justCreated(), meta.generations(), meta.bitmapUuid(),
                meta.bitmapFromPrimary(), bitmap.dirtyBytes(), discardMyData, meta.suspect(), meta.suspectExtents());
    }

    public synchronized boolean wantsConnection() {
        return !standAlone;
    }

    /**
     * An authenticated connection is up: decide what to do. {@code peer} is the peer's metadata from the
     * handshake and {@code sent} what this node sent it then; each side decides from the two, so a node
     * whose role, disk or generations changed since (promoted, or a first write, while its LinkUp waited)
     * closes the link instead: the peer decided from a stale view, and the next connection starts afresh.
     * So does a Secondary whose last seq moved (the previous connection's stream was still being applied):
     * the peer would start its catch-up at the wrong seq. A Primary's own writes may move it: the peer
     * then sees it further ahead than it thought, which the catch-up covers.
     */
    public synchronized void linkUp(PeerPort p, NodeInfo peer, NodeInfo sent) throws IOException {
        if (port != null) {
            PeerPort old = port;
            linkDown(old, "replaced by a new connection");
            old.close("replaced by a new connection");
        }
        if (standAlone) {
            p.close("this node is StandAlone");
            return;
        }
        NodeInfo now = nodeInfo();
        if (now.role() != sent.role() || now.disk() != sent.disk() || !now.generations().equals(sent.generations())
                || now.bitmapUuid() != sent.bitmapUuid()
                || (now.role() != Role.Primary && now.lastSeq() != sent.lastSeq())) {
            log.info("this node changed during the handshake with " + settings.peer() + " (" + sent.role() + "/" + sent.disk()
                    + " seq " + sent.lastSeq() + " -> " + now.role() + "/" + now.disk() + " seq " + now.lastSeq() + "): reconnecting");
            p.close("this node changed during the handshake");
            return;
        }
        inExpectedPos = 1;
        inWritten = 0;
        inSynced = 0;
        outNextPos = 1;
        expectingSync = false;
        port = p;
        peerInfo = peer;
        connection = ConnectionState.Connected;
        ConnectDecision.Outcome o = ConnectDecision.decide(nodeInfo(), peer, settings.splitBrain(), settings.node(), settings.peer());
        discardMyData = false; // offered once, in this handshake
        discardOnSync = o.discard() && o.verdict() == ConnectDecision.Verdict.TARGET;
        if (o.discard()) {
            log.warn("split brain with " + settings.peer() + " resolved: " + o.reason());
        }
        log.info("connected to " + settings.peer() + ": " + o.verdict() + " (" + o.reason() + ")"
                + (o.rule() == null ? "" : " [rule " + o.rule() + "]"));
        switch (o.verdict()) {
            case REFUSED, SPLIT_BRAIN, UNRELATED -> {
                lastError = o.verdict() + ": " + o.reason();
                standAlone = true;
                log.warn("going StandAlone: " + lastError + "; nothing was overwritten");
                if (o.verdict() == ConnectDecision.Verdict.SPLIT_BRAIN) {
                    splitBrain = true;
                    log.splitBrain(o.reason());
                }
                p.send(new Message.Refused(lastError));
                p.close(lastError);
                port = null;
                peerInfo = null;
                connection = ConnectionState.StandAlone;
                return;
            }
            case BOTH_INCONSISTENT -> {
            }
            case TARGET -> {
                // the peer has newer data: this disk is Outdated until the sync, and may not be promoted meanwhile
                expectingSync = true;
                if (diskState.isUsable()) {
                    diskState = DiskState.Outdated;
                }
            }
            case IN_SYNC -> {
                diskState = diskState.isUsable() ? DiskState.UpToDate : diskState;
                bitmap.clearAll();
                meta = meta.withDisk(diskState).withSeqs(checkpointSeq, 0, journal.lastSeq()).withBitmapUuid(0, false);
                persist();
                if (role == Role.Primary) {
                    out = new Outbound(p, settings.maxBufferBytes(), settings.windowMessages(), journal.lastSeq(), Outbound.Mode.LIVE, outNextPos);
                }
            }
            case SOURCE -> startSource(o.forceFull());
        }
        sendNodeInfo();
    }

    /** The peer's cumulative acknowledgement; lock-free, called on the link's event loop. */
    public void onAck(PeerPort from, Message.Ack ack) {
        Outbound o = out;
        if (o != null && o.port == from) {
            o.acks.advance(ack.received(), ack.written(), ack.synced());
        }
    }

    /** Messages that change the peer's view (role, disk). */
    public synchronized void onNodeInfo(PeerPort from, NodeInfo info) {
        if (from == port) {
            peerInfo = info;
        }
    }

    public synchronized void linkDown(PeerPort p, String reason) {
        if (p != port) {
            return;
        }
        if (out != null) {
            out.acks.close();
            closeCursor();
            if (out.verify != null) {
                out.verify.endedBy = "the connection was lost";
                log.warn("verify stopped at " + Math.round(out.verify.progress() * 100) + "%: the connection to " + settings.peer()
                        + " was lost");
            }
            try {
                trackPeerGap(out.peerSyncedSeq() + 1);
            } catch (IOException e) {
                fail("recording what the peer lacks", e);
            }
        }
        port = null;
        peerInfo = null;
        out = null;
        targetKind = null;
        expectingSync = false;
        connection = standAlone ? ConnectionState.StandAlone : ConnectionState.Connecting;
        if (promoteWait != null) {
            promoteWait.complete(false, "the connection to " + settings.peer() + " was lost");
        }
        primaryWhenPeerLost = role == Role.Primary;
        if (role == Role.Primary) {
            needNewGeneration = true;
            log.warn("lost " + settings.peer() + " (" + reason + "): writes continue on this node only (degraded)");
        } else {
            log.info("lost " + settings.peer() + " (" + reason + ")");
        }
    }

    /** Marks, in the bitmap, every journal entry from {@code fromSeq} on: the peer may lack them. */
    private void trackPeerGap(long fromSeq) throws IOException {
        long from = Math.max(fromSeq, journal.firstSeq());
        if (from <= journal.lastSeq()) {
            try (Journal.Cursor cursor = journal.read(from)) {
                for (Journal.Entry e = cursor.next(alloc); e != null; e = cursor.next(alloc)) {
                    bitmap.mark(e.offset(), e.length());
                    ReferenceCountUtil.release(e.data());
                }
            }
        }
        if (meta.bitmapSinceSeq() == 0) {
            meta = meta.withSeqs(checkpointSeq, from, fromSeq - 1);
        }
        bitmap.force(); // the bits are durable before the metadata that says they are in use
        persist();
    }

    // ------------------------------------------------------------------ the sync source

    private void startSource(boolean forceFull) throws IOException {
        long peerSeq = peerInfo.lastSeq();
        boolean peerUsable = peerInfo.disk().isUsable() && !peerInfo.justCreated();
        long bitmapSince = meta.bitmapSinceSeq();
        // the bitmap counts what *this* peer disk lacks: a disk sharing no generation with us (replaced,
        // or never synced) may lack regions the bitmap was cleared of for its predecessor
        boolean bitmapCovers = bitmapSince > 0 && bitmapSince <= peerSeq + 1 && peerSeq <= journal.lastSeq()
                && sharesGeneration(peerInfo.generations());
        SyncKind kind;
        // an Inconsistent peer (interrupted sync) may hold writes this node lost in a crash and whose seqs
        // it used again in a new generation: none of our records covers them
        if (forceFull || peerInfo.justCreated() || peerSeq > journal.lastSeq() || peerSeq >= branchFrom(peerInfo.generations())) {
            kind = SyncKind.full;
        } else if (meta.suspect() || peerInfo.suspect()) {
            kind = markSuspectExtents(peerSeq, bitmapCovers) ? SyncKind.bitmap : SyncKind.full;
        } else if (peerUsable && journal.firstSeq() <= peerSeq + 1) {
            kind = SyncKind.journal;
        } else if (bitmapCovers) {
            kind = SyncKind.bitmap;
        } else {
            kind = SyncKind.full;
        }
        Outbound.Mode mode = kind == SyncKind.journal ? Outbound.Mode.CATCHUP : Outbound.Mode.RESYNC;
        long startSeq = kind == SyncKind.journal ? peerSeq : journal.lastSeq();
        out = new Outbound(port, settings.maxBufferBytes(), settings.windowMessages(), startSeq, mode, outNextPos);
        out.kind = kind;
        // a disk we made (zeroes) differs wherever we hold data: digests would only add a round trip
        out.digests = kind != SyncKind.journal && !peerInfo.justCreated();
        out.syncFromSeq = peerSeq + 1;
        out.syncStartNanos = nanos.getAsLong();
        if (kind == SyncKind.journal) {
            out.cursor = journal.read(peerSeq + 1);
            out.syncTotalBytes = bitmap.dirtyBytes();
        } else {
            if (meta.bitmapUuid() == 0 && meta.currentUuid() != 0) {
                // DRBD's resync start: the bitmap tracks what the peer lacks against this generation, which the
                // target takes at once; a sync cut short then resumes as a bitmap sync
                meta = meta.withBitmapUuid(meta.currentUuid(), false);
            }
            if (kind == SyncKind.full) {
                bitmap.markAll();
                bitmap.force(); // before the metadata says the bitmap covers everything from seq 1
                meta = meta.withSeqs(checkpointSeq, 1, meta.peerSyncedSeq());
            }
            out.syncTotalBytes = bitmap.dirtyBytes();
        }
        if (diskState.isUsable()) {
            diskState = DiskState.UpToDate;
            meta = meta.withDisk(diskState);
        }
        persist();
        long pos = out.takePos(startSeq, 0);
        port.send(new Message.SyncStart(pos, kind, peerSeq + 1, journal.lastSeq() + 1, out.syncTotalBytes, meta.generations()));
        log.info("SyncSource: " + kind + " sync to " + settings.peer() + " from seq " + (peerSeq + 1) + " ("
                + out.syncTotalBytes + " bytes out of sync)");
    }

    /**
     * A suspect disk on either side, and its activity log says where (else {@code forceFull} made this a full
     * sync): the peer gets what the bitmap, or the journal from its seq on, says it lacks, and every extent a
     * suspect side held hot, all compared by checksum, never in write order (a suspect disk may hold writes
     * no journal has). False when neither the bitmap nor the journal covers the peer's gap: a full sync.
     */
    private boolean markSuspectExtents(long peerSeq, boolean bitmapCovers) throws IOException {
        if (!bitmapCovers) {
            if (journal.firstSeq() > peerSeq + 1 || !sharesGeneration(peerInfo.generations())) {
                return false;
            }
            trackPeerGap(peerSeq + 1);
            if (meta.bitmapSinceSeq() > peerSeq + 1) {
                meta = meta.withSeqs(checkpointSeq, peerSeq + 1, meta.peerSyncedSeq());
            }
        }
        long extentBytes = activityLog != null ? activityLog.extentBytes() : 1L << ActivityLog.EXTENT_SHIFT;
        long marked = 0;
        for (List<Long> extents : Arrays.asList(meta.suspect() ? meta.suspectExtents() : null,
                peerInfo.suspect() ? peerInfo.suspectExtents() : null)) {
            for (long extent : extents == null ? List.<Long>of() : extents) {
                long offset = extent * extentBytes;
                if (extent >= 0 && offset / extentBytes == extent && offset < disk.sizeBytes()) {
                    bitmap.mark(offset, Math.min(extentBytes, disk.sizeBytes() - offset));
                    marked++;
                }
            }
        }
        bitmap.force(); // the bits are durable before the metadata that says they are in use
        log.info("suspect disk: " + marked + " hot extents of " + extentBytes + " bytes added to the resync");
        return true;
    }

    /** The earliest start of this node's generations newer than the newest one the peer has (MAX_VALUE: none). */
    private long branchFrom(List<Generation> peerGenerations) {
        long branch = Long.MAX_VALUE;
        for (Generation mine : meta.generations()) {
            for (Generation theirs : peerGenerations) {
                if (mine.uuid() == theirs.uuid()) {
                    return branch;
                }
            }
            branch = Math.min(branch, mine.firstSeq());
        }
        return Long.MAX_VALUE; // nothing in common: the other rules decide
    }

    private boolean sharesGeneration(List<Generation> peerGenerations) {
        for (Generation mine : meta.generations()) {
            for (Generation theirs : peerGenerations) {
                if (mine.uuid() == theirs.uuid()) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Sends up to about {@code maxBytes} of sync traffic (journal entries or dirty regions).
     *
     * @return bytes sent, {@link #IDLE} when there is nothing to send, {@link #BLOCKED} when the window is full
     */
    public synchronized long pump(long maxBytes) throws IOException {
        if (out != null && out.kind == null && out.verify != null && !failed) {
            return pumpVerify(maxBytes);
        }
        if (out == null || out.kind == null || failed) {
            // a failed disk is no source: its journal may end with a write that failed before it was sent
            return IDLE;
        }
        clearSyncedRegions();
        if (out.mode == Outbound.Mode.LIVE) {
            finishSourceIfDone();
            return IDLE;
        }
        long sent = 0;
        while (sent < maxBytes) {
            if (lagging() && out.acks.sentPos() - out.lastBarrierPos >= out.acks.window() / 4) {
                // a catch-up sends no client flushes: without a barrier of its own, the peer syncs only by its
                // checkpoints, and the window (which counts unsynced messages) would fill and stall; a quarter
                // window apart, so that the peer syncs a few times per window, not after every entry
                sendBarrier(out.lastSeqSent);
            }
            if (windowFull()) {
                return sent == 0 ? BLOCKED : sent;
            }
            long n = out.mode == Outbound.Mode.CATCHUP ? sendJournalEntry() : sendRegion();
            if (n == AWAITING_ANSWERS) {
                return sent == 0 ? BLOCKED : sent;
            }
            if (n < 0) {
                break;
            }
            sent += Math.max(n, 1);
        }
        return sent;
    }

    private long sendJournalEntry() throws IOException {
        Journal.Entry e = out.cursor.next(alloc);
        if (e == null) {
            closeCursor();
            endSyncStream();
            return -1;
        }
        long pos = out.takePos(e.seq(), e.data() == null ? 0 : e.length());
        Message.Stream m = switch (e.type()) {
            case Journal.WRITE -> new Message.Write(pos, e.seq(), e.offset(), e.flags(), e.data());
            case Journal.TRIM -> new Message.Trim(pos, e.seq(), e.offset(), e.length(), e.flags());
            default -> new Message.Zeroes(pos, e.seq(), e.offset(), e.length(), e.flags());
        };
        out.port.send(m);
        return e.data() == null ? 0 : e.length();
    }

    /** No room for sync traffic: the window is full, or half the buffer is unwritten (live writes keep the rest). */
    private boolean windowFull() {
        return !out.acks.hasRoom() || out.acks.unwrittenBytes() > settings.maxBufferBytes() / 2;
    }

    /** The peer holds half the window (or twice a checkpoint's worth) unsynced since the last barrier. */
    private boolean lagging() {
        return out.acks.sentPos() > out.lastBarrierPos && (out.acks.unsynced() > out.acks.window() / 2
                || out.acks.unsyncedBytes() > 2 * settings.checkpointEveryBytes());
    }

    /** {@link #sendRegion}: every region went, but the answer to a digest may still come. */
    private static final long AWAITING_ANSWERS = -2;

    /**
     * Sends the next dirty region: its data, or (in a checksum-based resync, the first time) its digest;
     * regions whose digest the peer found different go first, as data.
     */
    private long sendRegion() throws IOException {
        boolean wanted = !out.wanted.isEmpty();
        long region = wanted ? out.wanted.pollFirst() : bitmap.nextDirty(out.resyncCursor);
        if (region < 0) {
            if (out.digestsAwaiting > 0) {
                return AWAITING_ANSWERS;
            }
            endSyncStream();
            return -1;
        }
        if (!wanted) {
            out.resyncCursor = region + 1;
        }
        long offset = region * bitmap.regionBytes();
        int length = regionLength(offset);
        long pos;
        long awaiting = 0;
        boolean hole = isHole(offset, length);
        if (out.digests && !wanted && !hole) {
            byte[] digest = regionDigest(offset, length);
            pos = out.takePos(out.lastSeqSent, 0);
            out.port.send(new Message.Digest(pos, offset, length, false, digest));
            out.digestsAwaiting++;
            awaiting = 1;
        } else if (hole) {
            pos = out.takePos(out.lastSeqSent, 0);
            out.port.send(new Message.ResyncHole(pos, offset, length));
            length = 0;
        } else {
            ByteBuf data;
            try {
                data = readRegion(offset, length);
            } catch (IOException | RuntimeException e) {
                throw fail("reading region " + region + " for the resync", e);
            }
            pos = out.takePos(out.lastSeqSent, length);
            out.port.send(new Message.ResyncData(pos, offset, data));
        }
        out.regionsInFlight.add(new long[] {pos, region, awaiting});
        if (++out.regionsSinceBarrier >= REGIONS_PER_BARRIER) {
            out.regionsSinceBarrier = 0;
            sendBarrier(out.lastSeqSent);
        }
        return length;
    }

    private boolean isHole(long offset, int length) throws IOException {
        boolean[] hole = {false};
        disk.blockStatus(offset, length, (extent, isHole, zero) -> {
            hole[0] = isHole && extent >= length;
            return false;
        });
        return hole[0];
    }

    /** Everything the peer lacked is in the stream: from here on writes go live; done once the peer syncs this. */
    private void endSyncStream() {
        sendBarrier(out.lastSeqSent);
        long seq = journal.lastSeq();
        long pos = out.takePos(seq, 0);
        out.port.send(new InSync(pos, seq, meta.generations()));
        out.inSyncPos = pos;
        out.mode = Outbound.Mode.LIVE;
    }

    private void clearSyncedRegions() {
        long synced = out.acks.synced();
        // a region whose digest awaits its answer keeps its bit (and holds back the ones after it)
        while (!out.regionsInFlight.isEmpty() && out.regionsInFlight.peekFirst()[0] <= synced
                && out.regionsInFlight.peekFirst()[2] == 0) {
            bitmap.clear(out.regionsInFlight.pollFirst()[1]);
        }
    }

    private void finishSourceIfDone() throws IOException {
        if (out.inSyncPos == 0 || out.acks.synced() < out.inSyncPos || !out.regionsInFlight.isEmpty()) {
            return;
        }
        SyncKind kind = out.kind;
        out.kind = null;
        bitmap.clearAll();
        meta = meta.withSeqs(checkpointSeq, 0, out.peerSyncedSeq()).withBitmapUuid(0, false);
        if (kind == SyncKind.full) {
            meta = meta.withBoot(meta.openedBoot(), false); // the peer now holds exactly this disk's data
        }
        persist();
        log.info(kind + " sync to " + settings.peer() + " done: in sync at seq " + out.peerSyncedSeq());
    }

    /** The peer's answer to a digest of this node's resync or verify. */
    public synchronized void onDigestReply(PeerPort from, Message.DigestReply r) throws ProtocolException {
        if (from != port || out == null) {
            return; // an answer on a connection that is gone
        }
        if (r.verify()) {
            OnlineVerify v = out.verify;
            if (v == null || v.awaiting == 0) {
                throw new ProtocolException("a verify answer at offset " + r.offset() + " but no verify digest awaits one");
            }
            v.awaiting--;
            if (!r.equal()) {
                v.mismatch(r.offset(), r.length());
                log.warn("verify: offset " + r.offset() + " (+" + r.length() + " bytes) differs on " + settings.peer()
                        + (v.repair ? ": rewriting it from this node's copy" : ""));
                if (v.repair) {
                    v.toRepair.addLast(new long[] {r.offset(), r.length()}); // the pump rewrites it
                }
            }
            return;
        }
        long region = r.offset() / bitmap.regionBytes();
        long[] entry = out.digests && r.offset() == region * bitmap.regionBytes() ? awaitingAnswer(region) : null;
        if (entry == null) {
            throw new ProtocolException("a resync answer at offset " + r.offset() + " for no digest in flight");
        }
        out.digestsAwaiting--;
        if (r.equal()) {
            entry[2] = 0; // its bit goes once the peer has synced past it
        } else {
            out.regionsInFlight.remove(entry);
            out.wanted.addLast(region); // its bit stays set until its data is synced
        }
    }

    private long[] awaitingAnswer(long region) {
        for (long[] entry : out.regionsInFlight) {
            if (entry[1] == region && entry[2] == 1) {
                return entry;
            }
        }
        return null;
    }

    /** A repair: the region's bytes written again through the replicated write path (journal, stream). */
    private void rewrite(long offset, int length) throws IOException {
        ByteBuf data = readRegion(offset, length);
        try {
            write(offset, data, false);
        } finally {
            data.release();
        }
    }

    /**
     * {@code replctl verify [--repair]}: compares every region with the peer's while the volume is in use.
     * Runs on the Primary, on the live stream (its digests see every write before them).
     */
    public synchronized ControlResult beginVerify(boolean repair) {
        if (role != Role.Primary) {
            return ControlResult.refused("verify runs on the Primary (it sends the digests in its stream); " + settings.node()
                    + " is " + role);
        }
        if (out == null || out.kind != null || out.mode != Outbound.Mode.LIVE) {
            return ControlResult.refused("verify needs the peer connected and in sync (replication: "
                    + (out == null ? "Off" : out.kind + " sync") + ")");
        }
        if (out.verify != null) {
            return ControlResult.refused("a verify is already running (" + Math.round(out.verify.progress() * 100) + "% done)");
        }
        long regions = (disk.sizeBytes() + bitmap.regionBytes() - 1) / bitmap.regionBytes();
        out.verify = new OnlineVerify(repair, regions, bitmap.regionBytes(), nanos.getAsLong());
        lastVerify = out.verify;
        log.info("verify" + (repair ? " --repair" : "") + " started: " + regions + " regions of " + bitmap.regionBytes()
                + " bytes against " + settings.peer());
        return ControlResult.done("verify of " + settings.resource() + " started on " + settings.node() + " against "
                + settings.peer() + (repair ? " (differing regions are rewritten)" : "") + ": replctl status shows its progress");
    }

    private long pumpVerify(long maxBytes) throws IOException {
        OnlineVerify v = out.verify;
        long done = 0;
        for (long[] r = v.toRepair.pollFirst(); r != null; r = v.toRepair.pollFirst()) {
            rewrite(r[0], (int) r[1]);
            v.repairedRegions++;
            done += r[1];
        }
        while (done < maxBytes && v.cursor < v.totalRegions) {
            if (windowFull()) {
                return done == 0 ? BLOCKED : done;
            }
            long offset = v.cursor * bitmap.regionBytes();
            int length = regionLength(offset);
            long pos = out.takePos(out.lastSeqSent, 0);
            out.port.send(new Message.Digest(pos, offset, length, true, regionDigest(offset, length)));
            v.awaiting++;
            v.cursor++;
            done += length;
        }
        if (v.cursor < v.totalRegions) {
            return done;
        }
        if (v.awaiting > 0 || !v.toRepair.isEmpty()) {
            return done == 0 ? BLOCKED : done; // answers may still come, or repairs are due
        }
        v.endedBy = "done";
        out.verify = null;
        log.info("verify done: " + v.outOfSyncRegions + " regions (" + v.outOfSyncRegions * v.regionBytes + " bytes) differed"
                + (v.outOfSyncRegions == 0 ? "" : " at " + String.join(", ", v.rangeTexts()))
                + (v.repair ? "; " + v.repairedRegions + " rewritten" : ""));
        return done == 0 ? IDLE : done;
    }

    private void closeCursor() {
        if (out != null && out.cursor != null) {
            try {
                out.cursor.close();
            } catch (IOException e) {
                log.warn("closing a journal cursor: " + e.getMessage());
            }
            out.cursor = null;
        }
    }

    // ------------------------------------------------------------------ roles

    /** First step of a promotion; a connected peer must agree (the caller sends the request and waits). */
    public synchronized PromoteWait beginPromote(boolean force) {
        if (role == Role.Primary) {
            return PromoteWait.done(ControlResult.done(settings.resource() + " is already Primary on " + settings.node()));
        }
        if (failed) {
            return PromoteWait.done(ControlResult.refused("the disk failed: " + lastError));
        }
        if (peerInfo != null && peerInfo.role() == Role.Primary) {
            return PromoteWait.done(ControlResult.refused(settings.peer() + " is Primary: demote it first"));
        }
        if (targetKind != null || expectingSync) {
            return PromoteWait.done(ControlResult.refused("a " + (targetKind == null ? "" : targetKind + " ") + "sync from "
                    + settings.peer() + " is " + (targetKind == null ? "starting" : "running") + ": this disk is " + diskState
                    + " until it ends"));
        }
        if (diskState != DiskState.UpToDate && !force) {
            return PromoteWait.done(ControlResult.refused("the disk is " + diskState + ", not UpToDate (--force overrides)"));
        }
        if (promoting) {
            return PromoteWait.done(ControlResult.refused("a promotion is already in progress"));
        }
        promoting = true;
        PromoteWait wait = new PromoteWait(++promoteId, port, force);
        if (port != null) {
            promoteWait = wait;
            port.send(new Message.PromoteRequest(wait.id()));
        } else {
            wait.complete(true, "no peer connected");
        }
        return wait;
    }

    /** Last step of a promotion, after the peer agreed (or was not connected). */
    public synchronized ControlResult finishPromote(PromoteWait wait) throws IOException {
        promoting = false;
        promoteWait = null;
        if (!wait.granted()) {
            return ControlResult.refused(wait.reason());
        }
        if (wait.port() != port && port != null) {
            return ControlResult.refused("the connection changed during the promotion: try again");
        }
        // what beginPromote checked may have changed while the peer answered
        if (targetKind != null) {
            return ControlResult.refused("a " + targetKind + " sync from " + settings.peer() + " started during the promotion: this disk is "
                    + diskState + " until it ends");
        }
        if (diskState != DiskState.UpToDate && !wait.force()) {
            return ControlResult.refused("the disk became " + diskState + " during the promotion (--force overrides)");
        }
        boolean forced = diskState != DiskState.UpToDate;
        if (forced) {
            log.warn("promote --force: the disk was " + diskState + "; the operator declared it UpToDate");
            if (diskState == DiskState.Inconsistent) {
                // a sync cut short: the disk holds parts of the source's generations, not any of them whole, so
                // it claims none (a returning peer meets unrelated data, and nothing is overwritten unasked)
                meta = meta.withGenerations(List.of(), false).withBitmapUuid(0, false);
            }
            diskState = DiskState.UpToDate;
            meta = meta.withDisk(diskState).withGenerations(meta.generations(), false);
            persist();
        }
        role = Role.Primary;
        if (discardMyData) {
            // the data the operator gave up is being written again: the instruction no longer describes it (found by
            // the simulation: a node promoted and demoted again after connect --discard-my-data lost its new writes)
            discardMyData = false;
            log.warn("promotion cancels connect --discard-my-data: this node's data is kept; a split brain stays one");
        }
        if (forced || port == null) {
            // now, not at the first write: a forced disk (a sync cut short, an outdated copy) matches no seq of
            // any generation, and a crashed Primary that returns with writes this node never got must find a
            // newer generation here, or it would be the SyncSource of a Primary (refused)
            newGeneration();
        } else if (peerInfo == null || !peerInfo.disk().isUsable()) {
            // no replica holds what this node writes next: a new generation marks the branch (a failed
            // peer's journal may end with a write it never sent, under the same seq as our next one)
            needNewGeneration = true;
        }
        if (port != null && out == null) {
            if (!forced && peerInfo != null && peerInfo.disk().isUsable()) {
                out = new Outbound(port, settings.maxBufferBytes(), settings.windowMessages(), journal.lastSeq(), Outbound.Mode.LIVE, outNextPos);
            } else {
                startSource(true);
            }
        }
        sendNodeInfo();
        String how = port == null ? " without a peer (in a new generation)" : "";
        log.info("promoted to Primary" + how);
        return ControlResult.done(settings.resource() + " is Primary on " + settings.node() + how);
    }

    public synchronized void onPromoteReply(PeerPort from, Message.PromoteReply reply) {
        if (from == port && promoteWait != null && promoteWait.id() == reply.id()) {
            promoteWait.complete(reply.granted(), reply.granted() ? "granted" : settings.peer() + " refused: " + reply.reason());
        }
    }

    /** The peer asks to become Primary: agree unless this node is (or is becoming) Primary. */
    public synchronized Message.PromoteReply onPromoteRequest(PeerPort from, Message.PromoteRequest request) {
        if (from != port) {
            return new Message.PromoteReply(request.id(), false, "stale connection");
        }
        if (role == Role.Primary || promoting) {
            return new Message.PromoteReply(request.id(), false, settings.node() + " is " + (promoting ? "becoming " : "") + "Primary");
        }
        if (out != null && out.kind != null) {
            return new Message.PromoteReply(request.id(), false, settings.node() + " is sending it a " + out.kind
                    + " sync: its disk is not UpToDate until the sync ends");
        }
        if (peerInfo != null) {
            peerInfo = new NodeInfo(Role.Primary, peerInfo.disk(), peerInfo.lastSeq(), peerInfo.justCreated(), peerInfo.generations(),
                    peerInfo.bitmapUuid(), peerInfo.bitmapFromPrimary(), peerInfo.changedBytes(), peerInfo.discardMyData(),
                    peerInfo.suspect(), peerInfo.suspectExtents());
        }
        return new Message.PromoteReply(request.id(), true, "");
    }

    /** Demotion, after the caller made sure no NBD client is connected and flushed. */
    public synchronized ControlResult demote() {
        if (role != Role.Primary) {
            return ControlResult.done(settings.resource() + " is already Secondary on " + settings.node());
        }
        role = Role.Secondary;
        if (out != null && out.kind == null) {
            // no sync to finish: drop the live stream, so that an old send window holds back neither
            // journal retention nor a later promotion of the peer; a new stream continues its positions
            outNextPos = out.nextPos;
            out.acks.close();
            long peerSynced = out.peerSyncedSeq();
            try {
                if (out.acks.unsynced() > 0) {
                    trackPeerGap(peerSynced + 1); // not flushed to the peer yet: remember what it may lack
                }
                meta = meta.withSeqs(checkpointSeq, meta.bitmapSinceSeq(), peerSynced);
                persist();
            } catch (IOException e) {
                fail("recording what the peer lacks", e);
            }
            out = null;
        }
        sendNodeInfo();
        log.info("demoted to Secondary");
        return ControlResult.done(settings.resource() + " is Secondary on " + settings.node());
    }

    /** {@code replctl invalidate}: this node's data is dropped (Inconsistent, no generation) and a full sync follows. */
    public synchronized ControlResult invalidate() {
        if (role == Role.Primary) {
            return ControlResult.refused(settings.node() + " is Primary: demote it before dropping its data");
        }
        if (failed) {
            // a failed disk stays Diskless (sticky) until the daemon restarts: as Inconsistent it would be offered
            // a sync it must refuse
            return ControlResult.refused("the disk failed (" + lastError + "): restart the daemon first");
        }
        if (targetKind != null || expectingSync) {
            return ControlResult.refused("a sync from " + settings.peer() + " is already running to this node");
        }
        diskState = DiskState.Inconsistent;
        meta = meta.withDisk(diskState).withGenerations(List.of(), false).withBitmapUuid(0, false);
        try {
            persist();
        } catch (IOException e) {
            fail("storing the metadata", e);
            return ControlResult.refused("could not store the metadata: " + e.getMessage());
        }
        log.warn("invalidate: this node's data is dropped (Inconsistent); a full sync from " + settings.peer() + " follows");
        if (port != null) {
            PeerPort p = port;
            linkDown(p, "invalidated");
            p.close("invalidated: reconnecting for a full sync");
        }
        return ControlResult.done(settings.resource() + " on " + settings.node() + " is Inconsistent: a full sync from "
                + settings.peer() + " follows when it is connected");
    }

    /** {@code replctl outdate}: a disconnected Secondary marks its data Outdated (what a fence agent does to a peer). */
    public synchronized ControlResult outdate() {
        if (role == Role.Primary) {
            return ControlResult.refused(settings.node() + " is Primary: its data cannot be outdated");
        }
        if (port != null) {
            return ControlResult.refused(settings.node() + " is connected to " + settings.peer() + ": outdate a disconnected node");
        }
        if (!diskState.isUsable() || diskState == DiskState.Outdated) {
            return ControlResult.done(settings.resource() + " on " + settings.node() + " is already " + diskState);
        }
        diskState = DiskState.Outdated;
        meta = meta.withDisk(diskState);
        try {
            persist();
        } catch (IOException e) {
            fail("storing the metadata", e);
            return ControlResult.refused("could not store the metadata: " + e.getMessage());
        }
        log.warn("outdate: this node's data is marked Outdated (promote needs --force)");
        return ControlResult.done(settings.resource() + " on " + settings.node() + " is Outdated");
    }

    public synchronized ControlResult disconnect() {
        standAlone = true;
        connection = ConnectionState.StandAlone;
        if (port != null) {
            PeerPort p = port;
            linkDown(p, "disconnect requested");
            p.close("disconnect requested by the operator");
        }
        log.info("StandAlone (disconnect requested)");
        return ControlResult.done(settings.resource() + " on " + settings.node() + " is StandAlone");
    }

    public synchronized ControlResult connect(boolean discard) {
        if (discard && role == Role.Primary) {
            return ControlResult.refused(settings.node() + " is Primary: demote it before discarding its data");
        }
        if (discard && port != null) {
            return ControlResult.refused(settings.resource() + " on " + settings.node() + " is connected: disconnect first, then "
                    + "connect --discard-my-data");
        }
        discardMyData = discard;
        if (discard) {
            log.warn("connect --discard-my-data: this node gives up its side of a split brain with " + settings.peer());
        }
        if (!standAlone) {
            return ControlResult.done(settings.resource() + " on " + settings.node() + " is already " + connection);
        }
        standAlone = false;
        splitBrain = false;
        lastError = null;
        connection = ConnectionState.Connecting;
        log.info("connecting to " + settings.peer());
        return ControlResult.done(settings.resource() + " on " + settings.node() + " is connecting to " + settings.peer());
    }

    // ------------------------------------------------------------------ housekeeping

    /**
     * Periodic work: a barrier on a live stream that went quiet (so the peer's synced position moves), the end
     * of a sync, journal retention, and lazy persistence of the checkpoint.
     */
    public void tick() throws IOException {
        long keepFrom;
        Checkpoint due;
        synchronized (this) {
            keepFrom = tickLocked();
            due = checkpointDue();
        }
        if (due != null) {
            try {
                checkpoint(due); // outside the lock, like a client's flush: writes and the stream go on
            } catch (IOException e) {
                return; // the disk is detached (logged); requests get the error
            }
        }
        journal.trim(keepFrom); // deleting files may take a while: not under the lock writes need
    }

    /**
     * Nothing sent since the last tick and the peer has written everything: the stream is idle, a
     * barrier costs little. (Not merely nothing sent: while the peer syncs, clients wait and send
     * nothing, and another barrier then would keep it syncing.)
     */
    private boolean quiet(long sentPos) {
        return sentPos == out.sentPosAtTick && out.acks.isDone(sentPos, AckTracker.WRITTEN);
    }

    /** A checkpoint to take: the journal up to {@code seq} (and, on a Secondary, stream position {@code pos}). */
    private record Checkpoint(boolean primary, long seq, long bytes, PeerPort port, long pos, long resets) {
    }

    /**
     * A Primary whose clients do not flush, or a Secondary applying a stream without barriers, still
     * checkpoints now and then (see {@link #CHECKPOINT_INTERVAL_NANOS}). Not a SyncTarget of a bitmap or
     * full sync: its journal restarts when the sync ends.
     */
    private Checkpoint checkpointDue() {
        boolean writer = role == Role.Primary || (role == Role.Secondary && port != null && targetKind != SyncKind.bitmap
                && targetKind != SyncKind.full && !expectingSync);
        if (!writer || failed || journal.lastSeq() <= checkpointSeq
                || (journaledBytes - checkpointBytes <= settings.checkpointEveryBytes()
                    && nanos.getAsLong() - checkpointNanos <= CHECKPOINT_INTERVAL_NANOS)) {
            return null;
        }
        return new Checkpoint(role == Role.Primary, journal.lastSeq(), journaledBytes, port, inWritten, journalResets);
    }

    private void checkpoint(Checkpoint c) throws IOException {
        if (c.primary()) {
            syncLocal(c.seq());
            return;
        }
        try {
            syncJournalAndDisk();
        } catch (IOException | RuntimeException e) {
            synchronized (this) {
                throw fail("checkpoint", e);
            }
        }
        synchronized (this) {
            if (c.port() == port && c.resets() == journalResets && role == Role.Secondary) {
                checkpointSeq = Math.max(checkpointSeq, c.seq());
                checkpointBytes = Math.max(checkpointBytes, c.bytes());
                checkpointNanos = nanos.getAsLong();
                inSynced = Math.max(inSynced, c.pos());
                // told now, not with the next message: a source whose window is full of unsynced messages
                // sends none until it hears of this
                PeerPort p = port;
                if (p != null && c.pos() > 0) {
                    p.send(ackFor(p, 0));
                }
            }
        }
    }

    private long tickLocked() throws IOException {
        long now = nanos.getAsLong();
        if (out != null) {
            // only a Primary's live stream: a demoted node's barrier would reach the new Primary, which refuses it
            long sentPos = out.acks.sentPos();
            if (out.mode == Outbound.Mode.LIVE && role == Role.Primary && sentPos > out.lastBarrierPos
                    && (quiet(sentPos) || lagging())) {
                sendBarrier(out.lastSeqSent);
            }
            out.sentPosAtTick = sentPos;
            if (out.kind != null) {
                clearSyncedRegions();
                if (out.mode == Outbound.Mode.LIVE) {
                    finishSourceIfDone();
                }
            }
        }
        long peerSynced = out != null ? out.peerSyncedSeq() : meta.peerSyncedSeq();
        if (now - lastPersistNanos > PERSIST_INTERVAL_NANOS
                && (meta.checkpointSeq() != checkpointSeq || meta.peerSyncedSeq() != peerSynced)) {
            meta = meta.withSeqs(checkpointSeq, meta.bitmapSinceSeq(), peerSynced);
            persist();
        }
        return keepFrom();
    }

    /** Journal entries at or after this seq are still needed: for redo after a crash, or by the connected peer. */
    private long keepFrom() {
        long keep = meta.checkpointSeq() + 1;
        if (out != null) {
            keep = Math.min(keep, Math.min(meta.peerSyncedSeq(), out.peerSyncedSeq()) + 1);
        }
        return keep;
    }

    /** A clean stop: everything durable, checkpoint at the end of the journal. */
    public synchronized void shutdown() throws IOException {
        if (!failed) {
            journal.sync();
            disk.flush();
            bitmap.force();
            checkpointSeq = journal.lastSeq();
            long peerSynced = out != null ? out.peerSyncedSeq() : meta.peerSyncedSeq();
            meta = meta.withSeqs(checkpointSeq, meta.bitmapSinceSeq(), peerSynced).withBoot("", meta.suspect());
            persist();
        }
        closeCursor();
    }

    private void persist() throws IOException {
        store.store(meta);
        lastPersistNanos = nanos.getAsLong();
    }

    private void sendNodeInfo() {
        if (port != null) {
            port.send(nodeInfo());
        }
    }

    /** A disk or journal error is sticky: the node leaves UpToDate and says so. */
    private IOException fail(String what, Exception e) {
        if (!failed) {
            failed = true;
            lastError = what + ": " + e.getMessage();
            diskState = DiskState.Diskless;
            log.warn("disk failure (" + lastError + "): detaching; this node serves no more I/O");
            sendNodeInfo();
        }
        return e instanceof IOException io ? io : new IOException(what + ": " + e, e);
    }

    private static void release(Message.Stream m) {
        ReferenceCountUtil.release(m);
    }

    private void applyLocal(byte type, int flags, long offset, long length, ByteBuf data) throws IOException {
        try {
            switch (type) {
                case Journal.WRITE -> disk.write(offset, data, false);
                case Journal.TRIM -> disk.trim(offset, length, false);
                default -> disk.writeZeroes(offset, length, (flags & Message.FLAG_PUNCH) != 0, false, false);
            }
        } finally {
            ReferenceCountUtil.release(data);
        }
    }

    // ------------------------------------------------------------------ status

    public Role role() {
        return role;
    }

    /** Whether a Primary admits new NBD clients (not while it is being demoted). */
    public boolean admitting() {
        return admitting;
    }

    public void admit(boolean admit) {
        admitting = admit;
    }

    /** Why an NBD client may not attach now, or null. */
    public String refusal() {
        if (role != Role.Primary) {
            return "volume " + settings.resource() + " is " + role + " on this node (" + settings.node()
                    + "); attach to the Primary";
        }
        return admitting ? null : "volume " + settings.resource() + " is being demoted on this node (" + settings.node() + ")";
    }

    public DiskState diskState() {
        return diskState;
    }

    public synchronized NodeStatus status(int nbdClients, boolean serving) {
        ReplicationState replication;
        SyncKind kind = null;
        Double progress = null;
        Long eta = null;
        // what the peer lacks from this node (its source view); a target reports what it still lacks
        long outOfSync = role == Role.Primary || out != null ? bitmap.dirtyBytes() : 0;
        long now = nanos.getAsLong();
        if (port == null) {
            replication = ReplicationState.Off;
        } else if (out != null && out.kind != null) {
            replication = ReplicationState.SyncSource;
            kind = out.kind;
            progress = sourceProgress();
            eta = eta(progress, now - out.syncStartNanos);
        } else if (targetKind != null) {
            replication = ReplicationState.SyncTarget;
            kind = targetKind;
            if (targetKind != SyncKind.journal && targetTotalBytes > 0) {
                // regions the source has sent so far (a region rewritten by a live write counts once)
                outOfSync = Math.max(0, targetTotalBytes - targetDoneBytes);
                progress = Math.min(1.0, (double) targetDoneBytes / targetTotalBytes);
                eta = eta(progress, now - targetStartNanos);
            } else if (targetKind != SyncKind.journal) {
                outOfSync = 0;
                progress = 1.0; // a resumed sync with nothing left to send
                eta = 0L;
            } else {
                // of the gap at the start; the source's writes meanwhile follow it
                outOfSync = targetTotalBytes;
                long total = targetEndSeq - targetFromSeq + 1;
                progress = total <= 0 ? 1.0 : Math.max(0, Math.min(1.0, (double) (journal.lastSeq() - targetFromSeq + 1) / total));
                eta = eta(progress, now - targetStartNanos);
            }
        } else {
            replication = ReplicationState.Established;
        }
        NodeStatus.Peer peer = peerInfo == null
                ? new NodeStatus.Peer(settings.peer(), Role.Unknown, DiskState.DUnknown)
                : new NodeStatus.Peer(settings.peer(), peerInfo.role(), peerInfo.disk());
        boolean degraded = role == Role.Primary && (out == null || out.mode == Outbound.Mode.CATCHUP);
        return new NodeStatus(settings.resource(), settings.node(), role, diskState, connection, replication,
                settings.protocol(), outOfSync, kind, progress, eta, peer, degraded, journal.lastSeq(),
                journal.sizeBytes(), journal.firstSeq(), nbdClients, serving, lastError, splitBrain, generationIds(), savedDivergence,
                verifyStatus(), meta.suspect(), activityLog == null ? null
                : new NodeStatus.ActivityLog(activityLog.capacity(), activityLog.hotExtents(), activityLog.transactions()));
    }

    private NodeStatus.Verify verifyStatus() {
        OnlineVerify v = lastVerify;
        if (v == null) {
            return null;
        }
        return new NodeStatus.Verify(v.endedBy == null, v.repair, v.progress(), v.outOfSyncRegions, v.outOfSyncRegions * v.regionBytes,
                v.rangeTexts(), v.repairedRegions, v.endedBy);
    }

    private NodeStatus.GenerationIds generationIds() {
        List<String> history = new ArrayList<>();
        for (int i = 1; i < meta.generations().size(); i++) {
            history.add(NodeStatus.GenerationIds.hex(meta.generations().get(i).uuid()));
        }
        return new NodeStatus.GenerationIds(NodeStatus.GenerationIds.hex(meta.currentUuid()),
                NodeStatus.GenerationIds.hex(meta.bitmapUuid()), meta.bitmapFromPrimary(), history);
    }

    private double sourceProgress() {
        if (out.mode == Outbound.Mode.CATCHUP) {
            long total = journal.lastSeq() - out.syncFromSeq + 1;
            long done = out.lastSeqSent - out.syncFromSeq + 1;
            return total <= 0 ? 1.0 : Math.max(0, Math.min(1.0, (double) done / total));
        }
        if (out.mode == Outbound.Mode.LIVE) {
            return 1.0;
        }
        long regions = Math.max(1, (disk.sizeBytes() + bitmap.regionBytes() - 1) / bitmap.regionBytes());
        return Math.min(1.0, (double) out.resyncCursor / regions);
    }

    private static Long eta(double progress, long elapsedNanos) {
        if (progress <= 0.001) {
            return null;
        }
        return (long) (elapsedNanos / 1e9 * (1 - progress) / progress);
    }

    /** The peer broke the replication protocol: the link is closed; nothing was written. */
    public static final class ProtocolException extends Exception {
        public ProtocolException(String message) {
            super(message);
        }
    }

    /** A request reached a node that is not Primary (the NBD layer answers EPERM). */
    public static final class NotPrimaryException extends BlockDevice.NotPermittedException {
        public NotPrimaryException(String message) {
            super(message);
        }
    }
}
