package io.replicator.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import io.replicator.nbd.device.BlockDevice;
import io.replicator.nbd.device.ForwardingBlockDevice;
import io.replicator.nbd.device.MemoryBlockDevice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ActivityLogTest {

    private static final int SHIFT = 12; // 4 KiB extents keep the numbers small
    private static final long EXTENT = 1L << SHIFT;

    @TempDir
    Path tmp;

    /** Slots in memory; records every slot write and disk flush in order, as "flush" or the extents written. */
    private static final class RecordingStore implements ActivityLog.Store {
        final ByteBuffer[] slots = new ByteBuffer[2];
        final List<String> events = new ArrayList<>();

        @Override
        public ByteBuffer read(int slot, int maxBytes) {
            return slots[slot] == null ? null : slots[slot].duplicate();
        }

        @Override
        public void write(int slot, ByteBuffer block) {
            ByteBuffer copy = ByteBuffer.allocate(block.remaining());
            copy.put(block.duplicate()).flip();
            slots[slot] = copy;
            events.add("slot " + slot);
        }

        @Override
        public void close() {
        }
    }

    private static List<Long> reopened(RecordingStore store, int capacity) throws IOException {
        return ActivityLog.open(store, capacity, SHIFT, () -> { }).recovered();
    }

    @Test
    void theHotSetSurvivesAReopen() throws IOException {
        RecordingStore store = new RecordingStore();
        ActivityLog al = ActivityLog.open(store, 8, SHIFT, () -> { });
        assertEquals(List.of(), al.recovered());
        al.begin(5 * EXTENT + 100, 10);
        al.end(5 * EXTENT + 100, 10);
        al.begin(EXTENT - 1, 2); // spans extents 0 and 1
        al.end(EXTENT - 1, 2);
        assertEquals(List.of(0L, 1L, 5L), reopened(store, 8));
        assertEquals(2, al.transactions(), "one transaction per write that found a cold extent");
        al.begin(5 * EXTENT, EXTENT); // hot already: no transaction
        al.end(5 * EXTENT, EXTENT);
        assertEquals(2, al.transactions());
    }

    @Test
    void anExtentLeavesOnlyAfterTheDiskFlush() throws IOException {
        RecordingStore store = new RecordingStore();
        ActivityLog al = ActivityLog.open(store, 2, SHIFT, () -> store.events.add("flush"));
        for (long e : new long[] {0, 1, 2}) {
            al.begin(e * EXTENT, EXTENT);
            al.end(e * EXTENT, EXTENT);
        }
        assertEquals(List.of("slot 1", "slot 0", "flush", "slot 1"), store.events,
                "the third extent evicts one: the disk is flushed before the slot that forgets it");
        List<Long> hot = reopened(store, 2);
        assertEquals(2, hot.size());
        assertTrue(hot.contains(2L), hot.toString());
    }

    @Test
    void anExtentWithAWriteInFlightIsNeverEvicted() throws Exception {
        RecordingStore store = new RecordingStore();
        ActivityLog al = ActivityLog.open(store, 1, SHIFT, () -> { });
        al.begin(0, 10); // in flight
        Throwable[] failed = new Throwable[1];
        Thread other = new Thread(() -> {
            try {
                al.begin(3 * EXTENT, 10);
                al.end(3 * EXTENT, 10);
            } catch (Throwable t) {
                failed[0] = t;
            }
        });
        other.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (other.getState() != Thread.State.TIMED_WAITING && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertEquals(Thread.State.TIMED_WAITING, other.getState(), "the second write waits for the only extent");
        assertEquals(List.of(0L), reopened(store, 1));
        al.end(0, 10);
        other.join(TimeUnit.SECONDS.toMillis(30));
        assertEquals(null, failed[0]);
        assertEquals(List.of(3L), reopened(store, 1));
    }

    @Test
    void aTornNewerSlotFallsBackToTheOlderOne() throws IOException {
        RecordingStore store = new RecordingStore();
        ActivityLog al = ActivityLog.open(store, 4, SHIFT, () -> { });
        al.begin(0, 1);
        al.end(0, 1); // transaction 1: slot 1, {0}
        al.begin(EXTENT, 1);
        al.end(EXTENT, 1); // transaction 2: slot 0, {0, 1}
        ByteBuffer newer = store.slots[0];
        newer.put(newer.limit() - 1, (byte) (newer.get(newer.limit() - 1) ^ 1)); // its checksum no longer matches
        assertEquals(List.of(0L), reopened(store, 4));
    }

    @Test
    void fewerExtentsThanHotFlushesTheDiskFirst() throws IOException {
        RecordingStore store = new RecordingStore();
        ActivityLog al = ActivityLog.open(store, 4, SHIFT, () -> { });
        for (long e = 0; e < 4; e++) {
            al.begin(e * EXTENT, 1);
            al.end(e * EXTENT, 1);
        }
        int[] flushes = new int[1];
        ActivityLog smaller = ActivityLog.open(store, 2, SHIFT, () -> flushes[0]++);
        assertEquals(List.of(0L, 1L, 2L, 3L), smaller.recovered(), "the whole set found is reported");
        assertEquals(1, flushes[0]);
        assertEquals(2, reopened(store, 2).size());
    }

    @Test
    void theFileStoreKeepsBothSlots() throws IOException {
        Path file = tmp.resolve("activity-log");
        try (ActivityLogFile store = ActivityLogFile.open(file)) {
            ActivityLog al = ActivityLog.open(store, ActivityLog.DEFAULT_EXTENTS, ActivityLog.EXTENT_SHIFT, () -> { });
            al.begin(7L << ActivityLog.EXTENT_SHIFT, 4096);
            al.end(7L << ActivityLog.EXTENT_SHIFT, 4096);
            al.begin(3L << ActivityLog.EXTENT_SHIFT, 4096);
            al.end(3L << ActivityLog.EXTENT_SHIFT, 4096);
        }
        try (ActivityLogFile store = ActivityLogFile.open(file)) {
            assertEquals(List.of(3L, 7L), ActivityLog.open(store, ActivityLog.DEFAULT_EXTENTS, ActivityLog.EXTENT_SHIFT, () -> { })
                    .recovered());
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {1, 2, 3}), 0); // slot 0, the newer (transaction 2), damaged
        }
        try (ActivityLogFile store = ActivityLogFile.open(file)) {
            assertEquals(List.of(7L), ActivityLog.open(store, ActivityLog.DEFAULT_EXTENTS, ActivityLog.EXTENT_SHIFT, () -> { })
                    .recovered());
        }
    }

    @Test
    void aFailedFlushIsSticky() throws IOException {
        RecordingStore store = new RecordingStore();
        boolean[] fail = {true};
        ActivityLog al = ActivityLog.open(store, 1, SHIFT, () -> {
            if (fail[0]) {
                throw new IOException("disk gone");
            }
        });
        al.begin(0, 1);
        al.end(0, 1);
        assertThrows(IOException.class, () -> al.begin(EXTENT, 1));
        fail[0] = false;
        IOException e = assertThrows(IOException.class, () -> al.begin(EXTENT, 1));
        assertNotNull(e.getMessage());
        assertTrue(e.getMessage().contains("failed earlier"), e.getMessage());
    }

    /**
     * The safety property, over random begin/end histories with 1 to 4 slots and 8 extents: at every step
     * the durable set (the newest valid slot) holds every extent with a write in flight and every extent
     * written since the last disk flush, i.e. every extent a power loss could leave unknown writes in.
     */
    @Test
    void theDurableSetCoversEveryWriteNotYetFlushed() {
        qt().withExamples(1500).forAll(integers().between(1, 4), lists().of(integers().between(0, 15)).ofSizeBetween(1, 80))
                .checkAssert((capacity, ops) -> {
                    try {
                        check(capacity, ops);
                    } catch (IOException e) {
                        throw new AssertionError(e);
                    }
                });
    }

    private static void check(int capacity, List<Integer> ops) throws IOException {
        RecordingStore store = new RecordingStore();
        Set<Long> unflushed = new HashSet<>();
        ActivityLog al = ActivityLog.open(store, capacity, SHIFT, unflushed::clear);
        List<Long> inFlight = new ArrayList<>();
        for (int op : ops) {
            long extent = op % 8;
            if (op < 8) {
                if (!inFlight.contains(extent) && new HashSet<>(inFlight).size() >= capacity) {
                    continue; // every slot busy: on one thread this begin would wait for ever
                }
                al.begin(extent * EXTENT, EXTENT);
                inFlight.add(extent);
                unflushed.add(extent);
            } else if (!inFlight.isEmpty()) {
                long done = inFlight.remove(op % inFlight.size());
                al.end(done * EXTENT, EXTENT);
                unflushed.add(done); // it may have landed after a flush that ran while it was in flight
            }
            Set<Long> durable = new TreeSet<>(reopened(store, capacity));
            Set<Long> needed = new TreeSet<>(unflushed);
            needed.addAll(inFlight);
            assertTrue(durable.containsAll(needed), "capacity " + capacity + ", ops " + ops + ": durable " + durable
                    + " lacks some of " + needed);
        }
    }

    /** A trim larger than the log takes at once goes in pieces of at most a quarter of it, each hot while it runs. */
    @Test
    void theDeviceSplitsARequestLargerThanTheLogTakes() throws IOException {
        ActivityLog al = ActivityLog.open(new RecordingStore(), 8, SHIFT, () -> { });
        List<String> trims = new ArrayList<>();
        BlockDevice disk = new TrimRecorder(new MemoryBlockDevice(64 * EXTENT), () -> trims.add(al.hotExtents() + " hot"), trims);
        new ActivityLogDevice(disk, al).trim(EXTENT / 2, 10 * EXTENT, false);
        assertEquals(List.of("trim 2048+6144", "2 hot", "trim 8192+8192", "4 hot", "trim 16384+8192", "6 hot",
                "trim 24576+8192", "8 hot", "trim 32768+8192", "8 hot", "trim 40960+2048", "8 hot"), trims);
    }

    /** A disk that notes each trim (and what {@code during} notes while it runs); the rest goes to {@code disk}. */
    private static final class TrimRecorder extends ForwardingBlockDevice {
        private final Runnable during;
        private final List<String> trims;

        TrimRecorder(BlockDevice disk, Runnable during, List<String> trims) {
            super(disk);
            this.during = during;
            this.trims = trims;
        }

        @Override
        public void trim(long offset, long length, boolean fua) throws IOException {
            trims.add("trim " + offset + "+" + length);
            during.run();
            super.trim(offset, length, fua);
        }
    }
}
