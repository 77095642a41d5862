package io.replicator.sim;

import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ReferenceCountUtil;
import io.replicator.control.NodeStatus;
import io.replicator.core.ConnectionState;
import io.replicator.core.Metadata;
import io.replicator.core.ReplicaCore;
import io.replicator.core.Ticket;
import io.replicator.journal.ActivityLog;
import io.replicator.journal.ActivityLogDevice;
import io.replicator.journal.DirtyBitmap;
import io.replicator.nbd.device.MemoryBlockDevice;
import io.replicator.wire.Message;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.LongSupplier;

/**
 * One simulated node: what survives its process (disk, journal, bitmap, the last metadata stored,
 * which is atomic like {@code MetadataStore}) and what does not (the core, the applier's queue, the
 * clients' requests in flight). {@code core} is null while the process is down.
 */
final class SimNode {

    /** What the link hands the applier besides messages (as {@code Applier.LinkUp/LinkDown}). */
    record LinkUp(Message.NodeInfo peer, Message.NodeInfo sent) {
    }

    record LinkDown(String reason) {
    }

    /** An item of the applier's queue: the connection it came on and what it is. */
    record Item(SimNetwork.SimPort port, Object what) {
    }

    /** A promotion waiting for the peer's answer (the control thread between beginPromote and finishPromote). */
    record Promotion(io.replicator.core.PromoteWait pending, boolean force) {
    }

    /** A demotion flushing first, as {@code DaemonControl.demote} does. */
    static final class Demotion {
        final Ticket flush;
        boolean synced;

        Demotion(Ticket flush) {
            this.flush = flush;
        }
    }

    final int index;
    final String name;
    CrashableDevice device;
    /** The activity log's slots (they survive a power loss: each write is synced) and its shape; null: none. */
    MemoryActivityLogStore activityLogStore;
    int activityLogExtents;
    int extentShift;
    CrashableJournal journal;
    DirtyBitmap bitmap;
    BitmapHistory bitmapHistory;
    Metadata stored;
    /** Power losses and wipes so far: an acknowledgement sent before one says nothing about this disk now. */
    int powerEpoch;
    int incarnation;

    ReplicaCore core;
    /** The connection whose LinkUp the core applied last (meaningful while it says Connected). */
    SimNetwork.Connection attached;
    final ArrayDeque<Item> applier = new ArrayDeque<>();
    SimNetwork.SimPort toAck;
    final List<ClientRequest> requests = new ArrayList<>();
    /** Writes issued on this core and not yet covered by a completed flush. */
    final List<ClientRequest> unflushed = new ArrayList<>();
    Promotion promotion;
    Demotion demotion;

    SimNode(int index, String name) {
        this.index = index;
        this.name = name;
    }

    boolean up() {
        return core != null;
    }

    NodeStatus status() {
        return core.status(0, core.role() == io.replicator.core.Role.Primary);
    }

    boolean connected() {
        return core != null && status().connection() == ConnectionState.Connected;
    }

    /** A new, empty disk (zeroes) with fresh journal and bitmap and the given metadata. */
    void newDisk(long volumeBytes, Profile profile, CrashableDevice.Watcher watcher, Metadata meta) {
        CrashableJournal j = new CrashableJournal(profile.journalMaxEntries());
        journal = j;
        device = new CrashableDevice(volumeBytes, watcher, j::lastSeq);
        bitmap = DirtyBitmap.inMemory(volumeBytes, profile.regionBytes(), () -> bitmapHistory.forced(bitmap));
        bitmapHistory = new BitmapHistory(bitmap);
        activityLogExtents = profile.activityLogExtents();
        extentShift = profile.extentShift();
        activityLogStore = activityLogExtents == 0 ? null : new MemoryActivityLogStore();
        stored = meta;
        powerEpoch++;
    }

    /** Starts the process: the core redoes its journal from the checkpoint (the disk sees REDO writes). */
    void start(ReplicaCore.Settings settings, ReplicaCore.EventLog log, LongSupplier nanos, LongSupplier random,
            ByteBufAllocator alloc) throws IOException {
        incarnation++;
        CrashableDevice.Caller old = device.enter(CrashableDevice.Caller.REDO);
        try {
            ActivityLog al = activityLogStore == null ? null
                    : ActivityLog.open(activityLogStore, activityLogExtents, extentShift, () -> {
                        journal.sync();
                        device.flush();
                    });
            core = ReplicaCore.open(settings, al == null ? device : new ActivityLogDevice(device, al), al, journal, bitmap,
                    stored, m -> store(m, log),
                    size -> new ReplicaCore.DivergenceFiles.Saved(new MemoryBlockDevice(size), "(memory)"), log, nanos, random, alloc);
        } finally {
            device.enter(old);
        }
    }

    /** The metadata port: atomic, as MetadataStore's write-rename; notable changes go to the trail. */
    private void store(Metadata m, ReplicaCore.EventLog log) {
        Metadata old = stored;
        stored = m;
        if (old.disk() != m.disk() || old.bitmapSinceSeq() != m.bitmapSinceSeq() || !old.generations().equals(m.generations())) {
            log.info("(sim) metadata stored: " + m.disk() + ", " + m.generations().size() + " generations, checkpoint "
                    + m.checkpointSeq() + ", bitmap since " + m.bitmapSinceSeq() + ", peer synced " + m.peerSyncedSeq());
        }
    }

    /** kill -9: the process and its queues vanish; the page cache (disk, journal, bitmap) stays. */
    void kill() {
        core = null;
        for (Item item = applier.pollFirst(); item != null; item = applier.pollFirst()) {
            ReferenceCountUtil.release(item.what());
        }
        toAck = null;
        attached = null;
        requests.clear();
        unflushed.clear();
        promotion = null;
        demotion = null;
    }

    /**
     * The power is cut (after {@link #kill}): unsynced writes, journal entries and bitmap pages may be
     * lost. {@code journalFirst}: the journal's pages reach the disk before the data pages they describe.
     */
    String powerLoss(SplittableRandom random, boolean journalFirst) throws IOException {
        long journalBefore = journal.lastSeq();
        journal.powerLoss(random);
        device.powerLoss(random, journalFirst ? journal.lastSeq() : -1);
        int snapshot = bitmapHistory.powerLoss(bitmap, random);
        powerEpoch++;
        return "journal " + journalBefore + " -> " + journal.lastSeq() + ", bitmap snapshot " + snapshot;
    }

    @Override
    public String toString() {
        return name;
    }
}
