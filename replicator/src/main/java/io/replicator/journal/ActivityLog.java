package io.replicator.journal;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.zip.CRC32C;

/**
 * DRBD's activity log: the set of "hot" extents of the volume (4 MiB each, as DRBD's), made durable
 * before a write may touch a cold one. After a power loss the disk may hold writes that no journal page
 * recorded (the kernel wrote a data page back, not the journal page that describes it); such writes lie
 * only in extents that were hot, so the resync that follows compares those extents, not the whole disk.
 *
 * <p>A transaction writes the whole hot set to one of two slots, alternately, each with a transaction
 * number and a CRC32C, and makes it durable before the write that needed it goes on: after a crash the
 * valid slot with the higher number is the set. An extent leaves the set only while no write is in
 * flight in it and only after the disk's and the journal's flush, so every write that ever went to a now
 * cold extent is durable on the disk, and so is the journal entry that tells the peer of it. Victims are chosen by the clock (second-chance) approximation of least recently
 * used. A transaction costs a small write and an fdatasync; a workload whose hot set fits the log pays it
 * once per extent.
 *
 * <p>Thread-safe: {@link #begin} and {@link #end} may be called from any thread; a transaction holds
 * the lock (writers of hot extents wait behind it, as in DRBD). An I/O error is sticky.
 */
public final class ActivityLog implements Closeable {

    /** DRBD's AL_EXTENT_SHIFT: 4 MiB extents. */
    public static final int EXTENT_SHIFT = 22;
    /** DRBD's al-extents default and range (the largest fits one u16-counted list on the wire). */
    public static final int DEFAULT_EXTENTS = 1237;
    public static final int MIN_EXTENTS = 67;
    public static final int MAX_EXTENTS = 65534;

    private static final long MAGIC = 0x31474F4C54434141L; // "AACTLOG1" little-endian
    private static final int VERSION = 1;
    /** magic u64 | version u32 | transaction u64 | capacity u32 | count u32 | extents u64[count] | crc32c u32 */
    private static final int HEADER_BYTES = 28;
    private static final int TRANSACTION_AT = 12;
    private static final int COUNT_AT = 24;
    /** A write that finds every slot in flight waits for one this long at most (writes end in disk time). */
    private static final long ROOM_WAIT_NANOS = TimeUnit.SECONDS.toNanos(60);

    /** Where the two slots live: a small file in the state directory, or memory in a simulation. */
    public interface Store extends Closeable {
        /** The bytes last written to {@code slot} (at most {@code maxBytes}), or null if it was never written. */
        ByteBuffer read(int slot, int maxBytes) throws IOException;

        /** Writes {@code block} (its remaining bytes) to {@code slot}, durable when this returns. */
        void write(int slot, ByteBuffer block) throws IOException;
    }

    /**
     * Makes every completed write durable: the disk's fdatasync and the journal's sync. Both: a block outside
     * the hot set must hold a write whose journal entry survives a power loss too, or no record of it is left
     * for the peer.
     */
    @FunctionalInterface
    public interface DiskFlush {
        void flush() throws IOException;
    }

    private final Store store;
    private final DiskFlush diskFlush;
    private final int extentShift;
    private final int capacity;
    private final List<Long> recovered;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition roomFreed = lock.newCondition();
    private final long[] extentOfSlot; // -1: free
    private final int[] inflight;
    private final boolean[] referenced;
    private final ExtentTable table;
    private final ByteBuffer block;
    private final CRC32C crc = new CRC32C();
    private int used;
    private int hand;
    private long transaction;
    private long transactions; // since open, for metrics
    private IOException failure;

    private ActivityLog(Store store, DiskFlush diskFlush, int extentShift, int capacity, long transaction, long[] hot) {
        this.store = store;
        this.diskFlush = diskFlush;
        this.extentShift = extentShift;
        this.capacity = capacity;
        this.extentOfSlot = new long[capacity];
        this.inflight = new int[capacity];
        this.referenced = new boolean[capacity];
        this.table = new ExtentTable(capacity);
        this.block = ByteBuffer.allocate(slotBytes(capacity)).order(ByteOrder.LITTLE_ENDIAN);
        this.transaction = transaction;
        Arrays.fill(extentOfSlot, -1);
        long[] sorted = hot.clone();
        Arrays.sort(sorted);
        List<Long> list = new ArrayList<>(sorted.length);
        for (long extent : sorted) {
            list.add(extent);
        }
        this.recovered = List.copyOf(list);
        // the recovered set stays hot: its writes may not be durable (a kill -9 leaves them in the page cache)
        for (int i = 0; i < hot.length && i < capacity; i++) {
            extentOfSlot[i] = hot[i];
            table.put(hot[i], i);
            used++;
        }
    }

    /**
     * Opens the log in {@code store}: the hot set is the newer valid slot (empty for a new store).
     *
     * @param capacity    how many extents may be hot at once (DRBD's al-extents)
     * @param extentShift log2 of the extent size ({@link #EXTENT_SHIFT}; a simulation uses smaller ones)
     * @param diskFlush   the disk's and the journal's flush, run before an extent leaves the set
     */
    public static ActivityLog open(Store store, int capacity, int extentShift, DiskFlush diskFlush) throws IOException {
        if (capacity < 1 || capacity > MAX_EXTENTS) {
            throw new IllegalArgumentException("capacity: " + capacity + " (expected: 1.." + MAX_EXTENTS + ")");
        }
        if (extentShift < 9 || extentShift > 40) {
            throw new IllegalArgumentException("extentShift: " + extentShift + " (expected: 9..40)");
        }
        Slot best = new Slot(0, new long[0]);
        for (int i = 0; i < 2; i++) {
            ByteBuffer b = store.read(i, slotBytes(MAX_EXTENTS));
            Slot slot = b == null ? null : decode(b);
            if (slot != null && slot.transaction() > best.transaction()) {
                best = slot;
            }
        }
        ActivityLog log = new ActivityLog(store, diskFlush, extentShift, capacity, best.transaction(), best.extents());
        if (best.extents().length > capacity) {
            // extents made fewer: what the page cache holds of the old set becomes durable before the log
            // keeps only part of it (recovered() still reports all of it, for a power loss before this)
            diskFlush.flush();
            log.lock.lock();
            try {
                log.writeTransaction();
            } finally {
                log.lock.unlock();
            }
        }
        return log;
    }

    /** The bytes one slot takes for a capacity: the header, every extent, the checksum. */
    static int slotBytes(int capacity) {
        return HEADER_BYTES + 8 * capacity + 4;
    }

    /** A valid slot as read back: its transaction number and extents. */
    private record Slot(long transaction, long[] extents) {
    }

    /** The slot in {@code b}, or null if it is torn, damaged or not a slot. */
    private static Slot decode(ByteBuffer b) {
        b.order(ByteOrder.LITTLE_ENDIAN);
        if (b.remaining() < HEADER_BYTES + 4 || b.getLong(0) != MAGIC || b.getInt(8) != VERSION) {
            return null;
        }
        int count = b.getInt(COUNT_AT);
        if (count < 0 || count > MAX_EXTENTS || b.remaining() < HEADER_BYTES + 8 * count + 4) {
            return null;
        }
        CRC32C c = new CRC32C();
        ByteBuffer covered = b.duplicate();
        covered.limit(HEADER_BYTES + 8 * count);
        c.update(covered);
        if ((int) c.getValue() != b.getInt(HEADER_BYTES + 8 * count)) {
            return null;
        }
        long[] extents = new long[count];
        for (int i = 0; i < count; i++) {
            extents[i] = b.getLong(HEADER_BYTES + 8 * i);
        }
        return new Slot(b.getLong(TRANSACTION_AT), extents);
    }

    /** The extent size in bytes. */
    public long extentBytes() {
        return 1L << extentShift;
    }

    public int capacity() {
        return capacity;
    }

    /** The hot set found at open, sorted: where a power loss may have left writes no journal knows of. */
    public List<Long> recovered() {
        return recovered;
    }

    /**
     * The most extents one {@link #begin} may span: a quarter of the log, so that a few such requests in flight
     * still leave room. A larger request is split ({@link ActivityLogDevice} does).
     */
    public int maxExtentsPerCall() {
        return Math.max(1, capacity / 4);
    }

    /** Extents hot now. */
    public int hotExtents() {
        lock.lock();
        try {
            return used;
        } finally {
            lock.unlock();
        }
    }

    /** Transactions written since open (DRBD's al-writes). */
    public long transactions() {
        lock.lock();
        try {
            return transactions;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Before a write to {@code [offset, offset+length)}: makes its extents hot (a durable transaction if any
     * was cold) and counts the write in flight in them until {@link #end}.
     */
    public void begin(long offset, long length) throws IOException {
        if (length <= 0) {
            return;
        }
        long first = offset >>> extentShift;
        long last = (offset + length - 1) >>> extentShift;
        if (last - first + 1 > maxExtentsPerCall()) {
            throw new IllegalArgumentException("activity log: " + (last - first + 1) + " extents in one call (expected: at most "
                    + maxExtentsPerCall() + "; split the request)");
        }
        lock.lock();
        try {
            long deadline = System.nanoTime() + ROOM_WAIT_NANOS;
            while (!allHot(first, last)) {
                if (failure != null) {
                    throw new IOException("activity log: failed earlier: " + failure.getMessage(), failure);
                }
                if (!transaction(first, last)) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        throw new IOException("activity log: no extent left for a write at offset " + offset + " ("
                                + capacity + " extents, all with writes in flight for " + TimeUnit.NANOSECONDS.toSeconds(ROOM_WAIT_NANOS)
                                + " s; raise activity-log.extents)");
                    }
                    roomFreed.awaitNanos(left);
                }
            }
            for (long e = first; e <= last; e++) {
                int slot = table.get(e);
                inflight[slot]++;
                referenced[slot] = true;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("activity log: interrupted while waiting for a free extent", e);
        } finally {
            lock.unlock();
        }
    }

    /** After the write that {@link #begin} admitted completed (or failed). */
    public void end(long offset, long length) {
        if (length <= 0) {
            return;
        }
        long first = offset >>> extentShift;
        long last = (offset + length - 1) >>> extentShift;
        lock.lock();
        try {
            boolean freed = false;
            for (long e = first; e <= last; e++) {
                int slot = table.get(e);
                if (slot < 0 || inflight[slot] == 0) {
                    throw new IllegalStateException("activity log: end without begin for extent " + e);
                }
                freed |= --inflight[slot] == 0;
            }
            if (freed) {
                roomFreed.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    private boolean allHot(long first, long last) {
        for (long e = first; e <= last; e++) {
            if (table.get(e) < 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Makes the cold extents of {@code [first, last]} hot in one transaction, evicting idle ones as needed
     * (after the disk's flush). False when too few slots are idle: the caller waits for writes to end.
     */
    private boolean transaction(long first, long last) throws IOException {
        int cold = 0;
        for (long e = first; e <= last; e++) {
            if (table.get(e) < 0) {
                cold++;
            }
        }
        int[] slots = new int[cold]; // a transaction already writes and syncs: this allocation is noise
        int found = 0;
        boolean evicts = false;
        for (int slot = 0; slot < capacity && found < cold; slot++) {
            if (extentOfSlot[slot] < 0) {
                slots[found++] = slot;
            }
        }
        // the clock: two sweeps clear every referenced bit once, so an idle slot is found if there is one
        for (int step = 0; step < 2 * capacity && found < cold; step++) {
            int slot = hand;
            hand = (hand + 1) % capacity;
            long extent = extentOfSlot[slot];
            if (extent < 0 || inflight[slot] > 0 || (extent >= first && extent <= last) || contains(slots, found, slot)) {
                continue;
            }
            if (referenced[slot]) {
                referenced[slot] = false;
                continue;
            }
            slots[found++] = slot;
            evicts = true;
        }
        if (found < cold) {
            return false;
        }
        try {
            if (evicts) {
                diskFlush.flush(); // the evicted extents' writes are durable before the log forgets them
            }
            int next = 0;
            for (long e = first; e <= last; e++) {
                if (table.get(e) < 0) {
                    int slot = slots[next++];
                    if (extentOfSlot[slot] >= 0) {
                        table.remove(extentOfSlot[slot]);
                    } else {
                        used++;
                    }
                    extentOfSlot[slot] = e;
                    table.put(e, slot);
                    referenced[slot] = true;
                }
            }
            writeTransaction();
        } catch (IOException | RuntimeException e) {
            failure = e instanceof IOException io ? io : new IOException(e);
            throw failure;
        }
        return true;
    }

    private static boolean contains(int[] slots, int count, int slot) {
        for (int i = 0; i < count; i++) {
            if (slots[i] == slot) {
                return true;
            }
        }
        return false;
    }

    private void writeTransaction() throws IOException {
        transaction++;
        block.clear();
        block.putLong(MAGIC).putInt(VERSION).putLong(transaction).putInt(capacity).putInt(used);
        for (int slot = 0; slot < capacity; slot++) {
            if (extentOfSlot[slot] >= 0) {
                block.putLong(extentOfSlot[slot]);
            }
        }
        crc.reset();
        ByteBuffer covered = block.duplicate().flip();
        crc.update(covered);
        block.putInt((int) crc.getValue());
        block.flip();
        store.write((int) (transaction & 1), block);
        transactions++;
    }

    @Override
    public void close() throws IOException {
        store.close();
    }

    /** Extent number to slot: open addressing with linear probing, no allocation per lookup. */
    private static final class ExtentTable {
        private final long[] keys;
        private final int[] values;
        private final int mask;

        ExtentTable(int capacity) {
            int size = Integer.highestOneBit(Math.max(4, capacity * 2 - 1)) << 1;
            keys = new long[size];
            values = new int[size];
            mask = size - 1;
            Arrays.fill(keys, -1);
        }

        private int home(long key) {
            return (int) (mix(key) & mask);
        }

        private static long mix(long key) {
            long h = key * 0x9E3779B97F4A7C15L;
            return h ^ (h >>> 32);
        }

        int get(long key) {
            for (int i = home(key); ; i = (i + 1) & mask) {
                if (keys[i] == key) {
                    return values[i];
                }
                if (keys[i] == -1) {
                    return -1;
                }
            }
        }

        void put(long key, int value) {
            int i = home(key);
            while (keys[i] != -1 && keys[i] != key) {
                i = (i + 1) & mask;
            }
            keys[i] = key;
            values[i] = value;
        }

        /** Removes {@code key}, shifting later entries of its probe run back (no tombstones). */
        void remove(long key) {
            int i = home(key);
            while (keys[i] != key) {
                if (keys[i] == -1) {
                    return;
                }
                i = (i + 1) & mask;
            }
            keys[i] = -1;
            for (int j = (i + 1) & mask; keys[j] != -1; j = (j + 1) & mask) {
                int h = home(keys[j]);
                // move j back to the hole at i unless its home lies cyclically in (i, j]
                boolean stays = i <= j ? (i < h && h <= j) : (i < h || h <= j);
                if (!stays) {
                    keys[i] = keys[j];
                    values[i] = values[j];
                    keys[j] = -1;
                    i = j;
                }
            }
        }
    }
}
