package io.replicator.core;

import java.util.List;

/**
 * What a node persists about its data, apart from the data, the journal and the bitmap.
 *
 * <ul>
 *   <li>{@code disk}: the disk state to resume with (never Diskless/Attaching/DUnknown).
 *   <li>{@code justCreated}: the daemon created the backing file (all zeroes) and nothing was written
 *       since: two such nodes hold identical data without a sync.
 *   <li>{@code generations}: newest first, at most {@link #MAX_GENERATIONS}: the first is DRBD's
 *       <em>current</em> generation identifier, the rest its <em>history</em>.
 *   <li>{@code bitmapUuid}: the generation the peer held when this node started tracking, in the
 *       bitmap, what the peer lacks (DRBD's bitmap UUID; 0 while the peer has everything); set when a
 *       Primary writes without its peer or a resync starts, cleared when the peer is in sync again.
 *   <li>{@code bitmapFromPrimary}: this node was already Primary when the bitmap UUID was set (the older
 *       Primary of a split brain, for the discard-younger/older-primary policies).
 *   <li>{@code checkpointSeq}: every journal entry up to it is durable on the disk; after a crash the
 *       node redoes its journal from the next one.
 *   <li>{@code bitmapSinceSeq}: the dirty bitmap covers every write from this seq on that the peer may
 *       lack (0: the bitmap is not in use).
 *   <li>{@code peerSyncedSeq}: the last seq the peer confirmed durable.
 *   <li>{@code openedBoot}: the boot id of the machine while a daemon has this disk open ("" once it stopped
 *       cleanly): found set to another boot at the next start, it means the machine lost power (or
 *       crashed) under a running daemon, and its page cache with it.
 *   <li>{@code suspect}: after such a loss the disk may hold writes its journal never recorded (the kernel
 *       wrote a data block back before the journal page): until a (checksum) sync with the peer, no
 *       connect may call the two disks in sync.
 *   <li>{@code suspectExtents}: where such writes can be: the activity log's hot extents at the loss
 *       (sorted extent numbers, see {@code ActivityLog}); null while not suspect, or when no activity log
 *       says (then anywhere: a full sync).
 * </ul>
 */
public record Metadata(
        String resource,
        long sizeBytes,
        DiskState disk,
        boolean justCreated,
        List<Generation> generations,
        long bitmapUuid,
        boolean bitmapFromPrimary,
        long checkpointSeq,
        long bitmapSinceSeq,
        long peerSyncedSeq,
        String openedBoot,
        boolean suspect,
        List<Long> suspectExtents) {

    public static final int MAX_GENERATIONS = 32;

    /** The bitmap id of a disk we made (all zeroes) that wrote without its peer (DRBD's UUID_JUST_CREATED). */
    public static final long JUST_CREATED_UUID = 4;

    /** DRBD's current generation identifier: 0 for a node that never wrote. */
    public long currentUuid() {
        return generations.isEmpty() ? 0 : generations.get(0).uuid();
    }

    public Metadata {
        generations = List.copyOf(generations.size() > MAX_GENERATIONS ? generations.subList(0, MAX_GENERATIONS) : generations);
        openedBoot = openedBoot == null ? "" : openedBoot;
        suspectExtents = suspect && suspectExtents != null ? List.copyOf(suspectExtents) : null;
    }

    public static Metadata created(String resource, long sizeBytes, boolean justCreated) {
        return new Metadata(resource, sizeBytes, justCreated ? DiskState.Consistent : DiskState.Inconsistent, justCreated,
                List.of(), 0, false, 0, 0, 0, "", false, null);
    }

    public Metadata withDisk(DiskState d) {
        return new Metadata(resource, sizeBytes, d, justCreated, generations, bitmapUuid, bitmapFromPrimary, checkpointSeq,
                bitmapSinceSeq, peerSyncedSeq, openedBoot, suspect, suspectExtents);
    }

    public Metadata withGenerations(List<Generation> g, boolean created) {
        return new Metadata(resource, sizeBytes, disk, created, g, bitmapUuid, bitmapFromPrimary, checkpointSeq,
                bitmapSinceSeq, peerSyncedSeq, openedBoot, suspect, suspectExtents);
    }

    public Metadata withBitmapUuid(long uuid, boolean fromPrimary) {
        return new Metadata(resource, sizeBytes, disk, justCreated, generations, uuid, fromPrimary, checkpointSeq,
                bitmapSinceSeq, peerSyncedSeq, openedBoot, suspect, suspectExtents);
    }

    public Metadata withBoot(String boot, boolean suspectDisk) {
        return new Metadata(resource, sizeBytes, disk, justCreated, generations, bitmapUuid, bitmapFromPrimary, checkpointSeq,
                bitmapSinceSeq, peerSyncedSeq, boot, suspectDisk, suspectExtents);
    }

    /** Suspect, and where: the activity log's extents at the loss (null: anywhere, a full sync). */
    public Metadata withSuspectExtents(List<Long> extents) {
        return new Metadata(resource, sizeBytes, disk, justCreated, generations, bitmapUuid, bitmapFromPrimary, checkpointSeq,
                bitmapSinceSeq, peerSyncedSeq, openedBoot, true, extents);
    }

    public Metadata withSeqs(long checkpoint, long bitmapSince, long peerSynced) {
        return new Metadata(resource, sizeBytes, disk, justCreated, generations, bitmapUuid, bitmapFromPrimary, checkpoint,
                bitmapSince, peerSynced, openedBoot, suspect, suspectExtents);
    }
}
