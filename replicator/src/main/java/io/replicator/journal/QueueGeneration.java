package io.replicator.journal;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * One generation of the journal: the {@link Segment}s in {@code gen-N}, made anew by each reset. Knows which
 * file holds which seqs (a list of {@link CycleSpan} across segments, oldest first), appends (moving to the
 * next segment once the current file has reached the segment size), positions tailers, and tracks what to
 * sync. Not thread-safe: {@link ChronicleJournal} calls it under its lock, except {@link #release}. Chronicle's
 * runtime exceptions pass through; the journal wraps them.
 */
final class QueueGeneration implements AutoCloseable {

    private static final RollCycle CYCLES = Segment.ROLL_CYCLE;
    /**
     * A journal that filled its last segment within this keeps the next one made (and touched) ahead all the
     * time: at a high rate half a segment is too short a lead, as making one takes milliseconds and touching
     * it more. A slower journal asks for the spare when the current file is half full. Either way a spare
     * rarely waits past its cycle (five minutes), which would leave its cycle file empty.
     */
    private static final long SPARE_AT_ONCE_NANOS = TimeUnit.SECONDS.toNanos(60);

    /** Files appended to and directories changed since the last sync. */
    record Unsynced(List<Path> files, List<Path> directories) {
    }

    /**
     * What retention took out: the entries dropped; files of kept segments to delete; whole segments to close
     * and delete; and the oldest kept segment with the cycle of its first kept file (older files of it go).
     */
    record Detached(long entries, List<Path> files, List<Segment> segments, Segment oldestKept, int firstKeptCycle) {
        static final Detached NONE = new Detached(0, List.of(), List.of(), null, 0);
    }

    /**
     * Where a cursor starts: its segment, a tailer there at the seq (null in a segment without entries yet:
     * the cursor waits for its first), and its {@link CycleSpan#position()}.
     */
    record Start(Segment segment, ExcerptTailer tailer, long position) {
    }

    final Path dir;
    private final long segmentBytes;
    private final long spareAtBytes;
    private final EntryCodec codec = new EntryCodec();
    private final PayloadWriter payloads = new PayloadWriter();
    private final List<Segment> segments; // oldest first; the last one takes the appends
    private final List<CycleSpan> spans;
    private final SpareSegment spare;
    private Segment active;
    private long activeSinceNanos = System.nanoTime();
    private ExcerptAppender appender;
    private CycleSpan newest;
    private long lastSeq;
    private final Set<Path> unsyncedFiles = new LinkedHashSet<>();
    private final Set<Path> unsyncedDirs = new LinkedHashSet<>();
    private boolean newestUnsynced;
    private volatile boolean closed;

    private QueueGeneration(Path dir, Clock clock, long segmentBytes, QueueRecovery.Recovered found) {
        this.dir = dir;
        this.segmentBytes = segmentBytes;
        this.spareAtBytes = segmentBytes / 2;
        this.segments = new ArrayList<>(found.segments());
        this.spans = found.spans();
        this.lastSeq = found.lastSeq();
        this.active = segments.get(segments.size() - 1);
        this.appender = active.appender();
        this.newest = spans.isEmpty() ? null : spans.get(spans.size() - 1);
        this.spare = new SpareSegment((n, ahead) -> Segment.create(dir, n, clock, segmentBytes, ahead),
                "journal-spare-" + dir.getFileName());
        unsyncedDirs.add(dir);
        unsyncedDirs.add(active.dir);
        unsyncedFiles.addAll(active.madeFiles);
        if (newest != null && newest.segment == active.number) {
            active.pretoucher().appended(newest.cycle, newest.endPosition);
        }
    }

    /** Opens (or creates) the generation in {@code dir} and recovers which seqs it holds. */
    static QueueGeneration open(Path dir, long nextSeq, Clock clock, long segmentBytes) throws IOException {
        Files.createDirectories(dir);
        return new QueueGeneration(dir, clock, segmentBytes, QueueRecovery.recover(dir, nextSeq, clock, segmentBytes));
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

    /** How far the pretouch thread of the segment taking appends has faulted its current cycle file in. */
    long pretouchedTo() {
        return active.pretoucher().touchedTo();
    }

    int segmentCount() {
        return segments.size();
    }

    /** Bytes in use in the retained files. */
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
    void append(long seq, byte type, int flags, long offset, long length, ByteBuf data) throws IOException {
        CycleSpan current = newest;
        if (current != null && current.segment == active.number && current.endPosition >= spareAtBytes) {
            if (current.endPosition >= segmentBytes) {
                roll();
            } else if (!spare.requested()) {
                spare.request(active.number + 1, touchAheadBytes(current.endPosition, System.nanoTime() - activeSinceNanos));
            }
        }
        ByteBuffer payload = data == null ? null : data.nioBuffer(data.readerIndex(), (int) length);
        byte[] header = codec.encode(seq, type, flags, offset, length, payload);
        long end;
        DocumentContext dc = appender.writingDocument();
        try {
            Bytes<?> bytes = dc.wire().bytes();
            bytes.write(header, 0, EntryCodec.HEADER_BYTES);
            if (payload != null) {
                payloads.write(bytes, payload);
            }
            end = bytes.writePosition();
        } catch (IOException | RuntimeException | Error e) {
            dc.rollbackOnClose();
            throw e;
        } finally {
            dc.close();
        }
        long index = appender.lastIndexAppended();
        int cycle = CYCLES.toCycle(index);
        long seqInCycle = CYCLES.toSequenceNumber(index);
        if (newest == null || newest.segment != active.number || cycle != newest.cycle) {
            newSpan(cycle, seq, seqInCycle, index);
        } else if (seqInCycle != seq - newest.firstSeq) {
            throw new IllegalStateException("journal " + active.dir + ": seq " + seq + " went to index " + seqInCycle
                    + " of cycle " + cycle + " (expected: " + (seq - newest.firstSeq) + ")");
        }
        newest.endPosition = end;
        lastSeq = seq;
        if (!newestUnsynced) {
            unsyncedFiles.add(active.fileFor(cycle));
            newestUnsynced = true;
        }
        active.pretoucher().appended(cycle, end);
    }

    /**
     * Moves the appends to the next segment (the spare, if it is ready). Changes nothing if that fails. Its
     * files, and the directories, go to the next sync: until then the segment's marker may not be durable.
     */
    private void roll() throws IOException {
        if (active.number >= Integer.MAX_VALUE - 1) {
            throw new IOException("journal " + dir + ": no segment number after " + active.number + "; reset the journal");
        }
        long now = System.nanoTime();
        long filledInNanos = now - activeSinceNanos;
        long touchAhead = touchAheadBytes(newest.endPosition, filledInNanos);
        Segment next = spare.take(active.number + 1, touchAhead);
        active.retire();
        segments.add(next);
        active = next;
        activeSinceNanos = now;
        appender = next.appender();
        unsyncedDirs.add(dir);
        unsyncedFiles.addAll(next.madeFiles);
        if (filledInNanos < SPARE_AT_ONCE_NANOS) {
            spare.request(next.number + 1, touchAhead);
        }
    }

    /** How far to touch the next segment ahead: for the rate at which the current one filled, within it. */
    private long touchAheadBytes(long filledBytes, long nanos) {
        return Math.min(segmentBytes, Pretoucher.aheadFor(filledBytes, nanos));
    }

    private void newSpan(int cycle, long seq, long seqInCycle, long index) {
        boolean sameSegment = newest != null && newest.segment == active.number;
        if (seqInCycle != 0 || (sameSegment && cycle < newest.cycle)) {
            throw new IllegalStateException("journal " + active.dir + ": seq " + seq + " went to index " + seqInCycle
                    + " of cycle " + cycle + " (expected: index 0 of a cycle after " + (sameSegment ? newest.cycle : "none") + ")");
        }
        newest = new CycleSpan(active.number, cycle, seq, 0);
        spans.add(newest);
        newestUnsynced = false;
        unsyncedDirs.add(active.dir);
        if (active.firstIndex < 0) {
            active.firstSeq = seq;
            active.firstIndex = index;
            if (segments.size() > 1) {
                segments.get(segments.size() - 2).next = active; // publishes the fields above to cursors
            }
        }
    }

    /** Where a cursor at {@code seq} starts; {@code seq} is in [firstSeq, lastSeq + 1]. */
    Start startAt(long seq) throws IOException {
        if (seq > lastSeq) {
            if (newest == null || newest.segment != active.number) {
                // Not toEnd: a segment made ahead has an empty cycle file, where toEnd would stay once the
                // first entry goes to a later cycle.
                return new Start(active, null, CycleSpan.position(active.number, 0));
            }
            ExcerptTailer tailer = tailer(active);
            tailer.toEnd();
            return new Start(active, tailer, newest.position());
        }
        CycleSpan span = spanOf(seq);
        Segment segment = segment(span.segment);
        ExcerptTailer tailer = tailer(segment);
        if (!tailer.moveToIndex(CYCLES.toIndex(span.cycle, seq - span.firstSeq))) {
            tailer.close();
            throw new IOException("journal " + segment.dir + ": entry seq " + seq + " is missing from cycle " + span.cycle);
        }
        return new Start(segment, tailer, span.position());
    }

    static ExcerptTailer tailer(Segment segment) {
        ExcerptTailer tailer = segment.queue.createTailer();
        tailer.singleThreadedCheckDisabled(true); // a cursor may move between threads
        return tailer;
    }

    /** Binary search: the span whose seqs include {@code seq}. O(log files). */
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

    /** Binary search: the retained segment numbered {@code number}. */
    private Segment segment(int number) {
        int lo = 0;
        int hi = segments.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int n = segments.get(mid).number;
            if (n == number) {
                return segments.get(mid);
            } else if (n < number) {
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        throw new IllegalStateException("journal " + dir + ": segment " + number + " is not retained");
    }

    Unsynced takeUnsynced() {
        Unsynced taken = new Unsynced(List.copyOf(unsyncedFiles), List.copyOf(unsyncedDirs));
        unsyncedFiles.clear();
        unsyncedDirs.clear();
        newestUnsynced = false;
        return taken;
    }

    /** True if {@code path} is the generation directory, a retained segment's, or a retained file. */
    boolean retains(Path path) {
        if (path.equals(dir)) {
            return true;
        }
        for (Segment s : segments) {
            if (s.dir.equals(path)) {
                return true;
            }
        }
        for (CycleSpan s : spans) {
            if (segment(s.segment).fileFor(s.cycle).equals(path)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Forgets the {@code count} oldest spans, and the segments left without any (never the one taking
     * appends). Bookkeeping only: the caller closes and deletes outside the lock with {@link #release}.
     */
    Detached detachOldest(int count) {
        if (count <= 0) {
            return Detached.NONE;
        }
        if (count >= spans.size()) {
            throw new IllegalArgumentException("count: " + count + " (expected: < " + spans.size() + ", the newest file stays)");
        }
        long oldFirst = firstSeq();
        List<CycleSpan> dropped = spans.subList(0, count);
        CycleSpan kept = spans.get(count);
        List<Path> files = new ArrayList<>();
        for (CycleSpan s : dropped) {
            Path f = segment(s.segment).fileFor(s.cycle);
            unsyncedFiles.remove(f);
            if (s.segment == kept.segment) {
                files.add(f); // the files of dropped segments go with their directories
            }
        }
        dropped.clear();
        List<Segment> droppedSegments = new ArrayList<>();
        while (segments.get(0).number < kept.segment) {
            Segment s = segments.remove(0);
            unsyncedDirs.remove(s.dir);
            unsyncedFiles.removeIf(f -> f.startsWith(s.dir));
            droppedSegments.add(s);
        }
        return new Detached(firstSeq() - oldFirst, files, droppedSegments, segment(kept.segment), kept.cycle);
    }

    /**
     * Closes and deletes what {@link #detachOldest} took out; called outside the journal's lock (closing a
     * queue and freeing a large file take milliseconds), under the mapping lock so the generation stays
     * open meanwhile. Files of the oldest kept segment go oldest first, with any empty cycle files before
     * its first kept one; a file Chronicle still maps stays readable until unmapped (Linux frees it then).
     */
    void release(Detached detached) throws IOException {
        for (Segment s : detached.segments()) {
            s.close();
        }
        if (closed) {
            return; // a reset or close deleted or keeps the files
        }
        for (Segment s : detached.segments()) {
            s.delete();
        }
        Segment kept = detached.oldestKept();
        if (kept == null) {
            return;
        }
        SingleChronicleQueue queue = kept.queue;
        TreeSet<Path> files = new TreeSet<>(detached.files());
        for (long c : queue.listCyclesBetween(queue.firstCycle(), queue.lastCycle())) {
            if (c < detached.firstKeptCycle()) {
                files.add(kept.fileFor((int) c));
            }
        }
        for (Path f : files) {
            Files.deleteIfExists(f);
        }
        if (!files.isEmpty()) {
            queue.refreshDirectoryListing();
        }
    }

    /** Stops the spare's thread and closes every segment; what is on disk stays. */
    @Override
    public void close() {
        closed = true;
        RuntimeException failure = null;
        List<AutoCloseable> toClose = new ArrayList<>();
        toClose.add(spare);
        toClose.add(payloads);
        toClose.addAll(segments);
        for (AutoCloseable c : toClose) {
            try {
                c.close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = e instanceof RuntimeException r ? r : new IllegalStateException(e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
