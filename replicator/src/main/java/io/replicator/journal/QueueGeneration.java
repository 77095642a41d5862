package io.replicator.journal;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * One generation of the journal: the Chronicle queue in {@code gen-N}, made anew by each reset. Knows which
 * cycle file holds which seqs (a list of {@link CycleSpan}, oldest first), appends, positions tailers, and
 * tracks the files to sync. Not thread-safe: {@link ChronicleJournal} calls it under its lock. Chronicle's
 * runtime exceptions pass through; the journal wraps them.
 */
final class QueueGeneration implements AutoCloseable {

    /**
     * Five-minute cycle files: short enough that size and age retention free space in small steps (a file
     * is deleted whole, and the newest is never deleted), with room for 2^30 entries per cycle, i.e. 3.5
     * million appends a second sustained, well above what an NBD write path reaches. MINUTELY (2^26 per
     * minute, 1.1 M/s) leaves less headroom; the FAST_ cycles (2^32) are hourly or longer; the TEST_ cycles
     * are for tests.
     */
    static final RollCycles ROLL_CYCLE = RollCycles.FIVE_MINUTELY;
    /**
     * Chronicle maps a file in blocks of this size and refuses a document larger than a quarter of it; 256 MiB
     * admits a WRITE of {@link Journal#MAX_DATA_BYTES} (32 MiB). Address space only: the file stays sparse.
     */
    static final long BLOCK_BYTES = 256L << 20;
    private static final DateTimeFormatter FILE_NAMES =
            DateTimeFormatter.ofPattern(ROLL_CYCLE.format()).withZone(ZoneOffset.UTC);

    /** Files appended to since the last sync, and whether a file was created (the directory needs a sync). */
    record Unsynced(List<Path> files, boolean directory) {
    }

    /** Entries dropped by retention and the files that held them. */
    record Detached(long entries, List<Path> files) {
    }

    final Path dir;
    final SingleChronicleQueue queue;
    private final ExcerptAppender appender;
    private final Pretoucher pretoucher;
    private final EntryCodec codec = new EntryCodec();
    private final List<CycleSpan> spans;
    private long lastSeq;
    private CycleSpan newest;
    private final Set<Path> unsynced = new LinkedHashSet<>();
    private boolean newestUnsynced;
    private boolean directoryUnsynced = true;
    private volatile boolean closed;

    private QueueGeneration(Path dir, SingleChronicleQueue queue, Clock clock, List<CycleSpan> spans, long lastSeq) {
        this.dir = dir;
        this.queue = queue;
        this.spans = spans;
        this.lastSeq = lastSeq;
        this.newest = spans.isEmpty() ? null : spans.get(spans.size() - 1);
        this.appender = queue.createAppender();
        appender.singleThreadedCheckDisabled(true); // used under the journal's lock, from any thread
        this.pretoucher = new Pretoucher(queue, clock, ROLL_CYCLE.lengthInMillis(), "journal-pretouch-" + dir.getFileName());
        if (newest != null) {
            pretoucher.appended(newest.cycle, newest.endPosition);
        }
    }

    /** Opens (or creates) the queue in {@code dir} and recovers which seqs it holds. */
    static QueueGeneration open(Path dir, long nextSeq, Clock clock) throws IOException {
        SingleChronicleQueue queue = SingleChronicleQueueBuilder.binary(dir)
                .rollCycle(ROLL_CYCLE)
                .blockSize(BLOCK_BYTES)
                .timeProvider(clock::millis)
                .checkInterrupts(false)
                .build();
        try {
            QueueRecovery.Recovered found = QueueRecovery.recover(queue, dir, nextSeq);
            return new QueueGeneration(dir, queue, clock, found.spans(), found.lastSeq());
        } catch (IOException | RuntimeException | Error e) {
            queue.close();
            throw e;
        }
    }

    long firstSeq() {
        return spans.isEmpty() ? lastSeq + 1 : spans.get(0).firstSeq;
    }

    long lastSeq() {
        return lastSeq;
    }

    List<CycleSpan> spans() {
        return spans;
    }

    /** Bytes in use in the retained cycle files. */
    long sizeBytes() {
        long total = 0;
        for (CycleSpan s : spans) {
            total += s.endPosition;
        }
        return total;
    }

    boolean isClosed() {
        return closed;
    }

    /** Appends one checked entry (see {@link Journal#append}); the hot path. */
    void append(long seq, byte type, int flags, long offset, long length, ByteBuf data) {
        ByteBuffer payload = data == null ? null : data.nioBuffer(data.readerIndex(), (int) length);
        byte[] header = codec.encode(seq, type, flags, offset, length, payload);
        long end;
        DocumentContext dc = appender.writingDocument();
        try {
            Bytes<?> bytes = dc.wire().bytes();
            bytes.write(header, 0, EntryCodec.HEADER_BYTES);
            if (payload != null) {
                writeData(bytes, payload);
            }
            end = bytes.writePosition();
        } catch (RuntimeException | Error e) {
            dc.rollbackOnClose();
            throw e;
        } finally {
            dc.close();
        }
        long index = appender.lastIndexAppended();
        int cycle = ROLL_CYCLE.toCycle(index);
        long seqInCycle = ROLL_CYCLE.toSequenceNumber(index);
        if (newest == null || cycle != newest.cycle) {
            newCycle(cycle, seq, seqInCycle);
        } else if (seqInCycle != seq - newest.firstSeq) {
            throw new IllegalStateException("journal " + dir + ": seq " + seq + " went to index " + seqInCycle
                    + " of cycle " + cycle + " (expected: " + (seq - newest.firstSeq) + ")");
        }
        newest.endPosition = end;
        lastSeq = seq;
        if (!newestUnsynced) {
            unsynced.add(fileFor(cycle));
            newestUnsynced = true;
        }
        pretoucher.appended(cycle, end);
    }

    private void newCycle(int cycle, long seq, long seqInCycle) {
        if (seqInCycle != 0 || (newest != null && cycle < newest.cycle)) {
            throw new IllegalStateException("journal " + dir + ": seq " + seq + " went to index " + seqInCycle
                    + " of cycle " + cycle + " (expected: index 0 of a cycle after " + (newest == null ? "none" : newest.cycle) + ")");
        }
        newest = new CycleSpan(cycle, seq, 0);
        spans.add(newest);
        newestUnsynced = false;
        directoryUnsynced = true;
    }

    /**
     * Copies the payload (our own view of the caller's buffer: its position may move). A heap buffer goes
     * by its array: Chronicle's {@code writeSome(ByteBuffer)} ignores the array offset of a heap slice
     * (which is what Netty's {@code nioBuffer} returns) and would copy the wrong bytes.
     */
    private static void writeData(Bytes<?> bytes, ByteBuffer payload) {
        if (payload.hasArray()) {
            bytes.write(payload.array(), payload.arrayOffset() + payload.position(), payload.remaining());
            return;
        }
        for (int i = 0; payload.hasRemaining(); i++) {
            if (i == 1000) {
                throw new IllegalStateException("journal: cannot write the entry data, " + payload.remaining() + " bytes left");
            }
            bytes.writeSome(payload);
        }
    }

    /** A tailer at {@code seq}, which is in [firstSeq, lastSeq + 1]; at the end for lastSeq + 1. */
    ExcerptTailer tailerAt(long seq) throws IOException {
        ExcerptTailer tailer = queue.createTailer();
        tailer.singleThreadedCheckDisabled(true); // a cursor may move between threads
        if (seq > lastSeq) {
            tailer.toEnd();
            return tailer;
        }
        CycleSpan span = spanOf(seq);
        if (!tailer.moveToIndex(ROLL_CYCLE.toIndex(span.cycle, seq - span.firstSeq))) {
            tailer.close();
            throw new IOException("journal " + dir + ": entry seq " + seq + " is missing from cycle " + span.cycle);
        }
        return tailer;
    }

    /** The cycle a cursor at {@code seq} reads first; MAX_VALUE if the generation holds no file. */
    int cycleOf(long seq) {
        if (spans.isEmpty()) {
            return Integer.MAX_VALUE;
        }
        return seq > lastSeq ? newest.cycle : spanOf(seq).cycle;
    }

    /** Binary search: the span whose seqs include {@code seq}. O(log cycles). */
    private CycleSpan spanOf(long seq) {
        int lo = 0;
        int hi = spans.size() - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (spans.get(mid).firstSeq <= seq) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return spans.get(lo);
    }

    Unsynced takeUnsynced() {
        Unsynced taken = new Unsynced(List.copyOf(unsynced), directoryUnsynced);
        unsynced.clear();
        newestUnsynced = false;
        directoryUnsynced = false;
        return taken;
    }

    /** True if {@code file} still belongs to a retained cycle (a missing one is then an error). */
    boolean retains(Path file) {
        for (CycleSpan s : spans) {
            if (fileFor(s.cycle).equals(file)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Forgets the {@code count} oldest spans and returns their files, with any empty cycle files before the
     * new oldest; the caller deletes them outside the lock and then {@link #refreshListing()}.
     */
    Detached detachOldest(int count) {
        if (count <= 0) {
            return new Detached(0, List.of());
        }
        if (count >= spans.size()) {
            throw new IllegalArgumentException("count: " + count + " (expected: < " + spans.size() + ", the newest file stays)");
        }
        long oldFirst = firstSeq();
        TreeSet<Integer> cycles = new TreeSet<>();
        for (CycleSpan s : spans.subList(0, count)) {
            cycles.add(s.cycle);
        }
        spans.subList(0, count).clear();
        int keptCycle = spans.get(0).cycle;
        // Empty cycle files before the kept one go too. (listCyclesBetween needs both bounds to exist.)
        for (long c : queue.listCyclesBetween(queue.firstCycle(), queue.lastCycle())) {
            if (c < keptCycle) {
                cycles.add((int) c);
            }
        }
        List<Path> files = new ArrayList<>();
        for (int c : cycles) {
            Path f = fileFor(c);
            files.add(f);
            unsynced.remove(f);
        }
        return new Detached(firstSeq() - oldFirst, files);
    }

    void refreshListing() {
        queue.refreshDirectoryListing();
    }

    /** The file of a cycle, named as Chronicle names it (checked against the directory at open). */
    Path fileFor(int cycle) {
        return fileName(dir, cycle);
    }

    @Override
    public void close() {
        closed = true;
        try {
            pretoucher.close();
        } finally {
            appender.close();
            queue.close();
        }
    }

    /** The file of a cycle in {@code dir}, named as Chronicle names it. */
    static Path fileName(Path dir, int cycle) {
        return dir.resolve(FILE_NAMES.format(Instant.ofEpochMilli(cycle * (long) ROLL_CYCLE.lengthInMillis())) + ".cq4");
    }
}
