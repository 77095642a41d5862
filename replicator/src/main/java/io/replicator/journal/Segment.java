package io.replicator.journal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueStore;

/**
 * One segment of a generation: a Chronicle queue in its own directory {@code seg-N} (N counts up from 1)
 * under the generation directory. Appends go to the newest segment until its current cycle file passes the
 * segment size, then to the next segment; seqs continue across segments. So every file but the newest stays
 * near the segment size however fast writes come, and retention, which deletes whole files, frees space in
 * steps of about one segment.
 *
 * <p>A segment is complete once {@value #READY} exists, created after Chronicle has made the queue's files:
 * a crash while a segment is being made leaves a directory without it, which the next open deletes (it
 * never held an entry). The journal's first sync after the segment starts taking appends syncs those files
 * and then the directory, so a power loss cannot leave the marker beside Chronicle headers that never
 * reached the disk. Only the segment taking appends has an appender and a pretouch thread.
 */
final class Segment implements AutoCloseable {

    /**
     * Five-minute cycle files within a segment: short enough that age retention frees space in small steps,
     * with room for 2^30 entries per cycle, i.e. 3.5 million appends a second sustained. (MINUTELY, 2^26
     * per minute, leaves less headroom; the FAST_ cycles are hourly or longer; the TEST_ cycles are for tests.)
     */
    static final RollCycle ROLL_CYCLE = RollCycles.FIVE_MINUTELY;
    /**
     * Chronicle maps a file in blocks of this size and refuses a document larger than a quarter of it; 256 MiB
     * admits a WRITE of {@link Journal#MAX_DATA_BYTES} (32 MiB), and a whole file of the largest segment
     * size plus one entry fits in one block, so the appender never waits for a new block to be mapped.
     * Address space only: the file stays sparse.
     */
    static final long BLOCK_BYTES = 256L << 20;
    static final String READY = "segment.ready";
    private static final String PREFIX = "seg-";
    private static final DateTimeFormatter FILE_NAMES =
            DateTimeFormatter.ofPattern(ROLL_CYCLE.format()).withZone(ZoneOffset.UTC);

    final int number;
    final Path dir;
    final SingleChronicleQueue queue;
    /** The files Chronicle made with a new segment, for the first sync; empty for a segment opened again. */
    final List<Path> madeFiles;
    private ExcerptAppender appender;
    private Pretoucher pretoucher;
    private boolean closed; // guarded by this

    /**
     * Seq and Chronicle index of the first entry, -1 before it. Written once, seq first: a cursor that sees
     * the index (or {@link #next}) sees both.
     */
    long firstSeq = -1;
    volatile long firstIndex = -1;
    /** The segment after this one, set once it holds its first entry; how a cursor finds where to go on. */
    volatile Segment next;

    private Segment(int number, Path dir, SingleChronicleQueue queue, List<Path> madeFiles) {
        this.number = number;
        this.dir = dir;
        this.queue = queue;
        this.madeFiles = madeFiles;
    }

    /** The directory name of segment {@code number}: {@code seg-} and ten digits, so names sort by number. */
    static String name(int number) {
        return String.format("%s%010d", PREFIX, number);
    }

    /** The number in a segment directory's name, or -1 if the name is not one. */
    static int numberOf(String name) {
        if (!name.startsWith(PREFIX) || name.length() != PREFIX.length() + 10) {
            return -1;
        }
        try {
            return Integer.parseInt(name.substring(PREFIX.length()));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Opens an existing, complete segment (for recovery); no appender yet. */
    static Segment open(Path dir, int number, Clock clock) {
        return new Segment(number, dir, build(dir, clock), List.of());
    }

    /**
     * Makes a new segment ready to take appends: the queue, its cycle file for the current cycle (creating a
     * cycle file costs milliseconds), the marker, an appender and a pretouch thread that starts by touching
     * the file's first {@code touchAheadBytes}. On failure nothing is left behind.
     */
    static Segment create(Path generationDir, int number, Clock clock, long segmentBytes, long touchAheadBytes)
            throws IOException {
        Path dir = generationDir.resolve(name(number));
        Files.createDirectory(dir);
        Segment segment = null;
        SingleChronicleQueue queue = null;
        try {
            queue = build(dir, clock);
            int cycle = queue.cycle();
            SingleChronicleQueueStore store = queue.storeForCycle(cycle, queue.epoch(), true, null);
            queue.closeStore(store);
            List<Path> made;
            try (Stream<Path> files = Files.list(dir)) {
                made = files.toList();
            }
            segment = new Segment(number, dir, queue, made);
            Files.createFile(dir.resolve(READY));
            segment.startAppending(segmentBytes, touchAheadBytes, clock);
            segment.pretoucher.appended(cycle, 0);
            return segment;
        } catch (IOException | RuntimeException | Error e) {
            try {
                if (segment != null) {
                    segment.close();
                } else if (queue != null) {
                    queue.close();
                }
                JournalDirectory.deleteTree(dir);
            } catch (IOException | RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    private static SingleChronicleQueue build(Path dir, Clock clock) {
        return SingleChronicleQueueBuilder.binary(dir)
                .rollCycle(ROLL_CYCLE)
                .blockSize(BLOCK_BYTES)
                .timeProvider(clock::millis)
                .checkInterrupts(false)
                .build();
    }

    static boolean isComplete(Path dir) {
        return Files.exists(dir.resolve(READY));
    }

    /** Gives this segment an appender and a pretouch thread; once, for the segment that takes appends. */
    void startAppending(long segmentBytes, long touchAheadBytes, Clock clock) {
        appender = queue.createAppender();
        appender.singleThreadedCheckDisabled(true); // used under the journal's lock, from any thread
        pretoucher = new Pretoucher(queue, clock, ROLL_CYCLE.lengthInMillis(), segmentBytes, touchAheadBytes,
                "journal-pretouch-" + dir.getParent().getFileName() + "-" + dir.getFileName());
    }

    ExcerptAppender appender() {
        return appender;
    }

    Pretoucher pretoucher() {
        return pretoucher;
    }

    /** The appender has moved on to the next segment: the pretouch thread stops (not waited for). */
    void retire() {
        if (pretoucher != null) {
            pretoucher.stop();
        }
    }

    /** The file of a cycle, named as Chronicle names it (checked against the directory at open). */
    Path fileFor(int cycle) {
        return dir.resolve(FILE_NAMES.format(Instant.ofEpochMilli(cycle * (long) ROLL_CYCLE.lengthInMillis())) + ".cq4");
    }

    synchronized boolean isClosed() {
        return closed;
    }

    /** Waits for the pretouch thread, then closes the appender and the queue. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (pretoucher != null) {
                pretoucher.close();
            }
        } finally {
            try {
                if (appender != null) {
                    appender.close();
                }
            } finally {
                queue.close();
            }
        }
    }

    /**
     * Deletes the closed segment's files: cycle files oldest first, then the rest, then the directory. A
     * crash midway leaves the newest files of the segment (still consecutive seqs) or, once they are gone, a
     * segment without entries, which the next open removes.
     */
    void delete() throws IOException {
        if (!isClosed()) {
            throw new IllegalStateException("segment " + dir + " must be closed before it is deleted");
        }
        if (!Files.exists(dir)) {
            return;
        }
        List<Path> cycleFiles = new ArrayList<>();
        List<Path> others = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.sorted().toList()) {
                (p.getFileName().toString().endsWith(".cq4") ? cycleFiles : others).add(p);
            }
        }
        for (Path p : cycleFiles) {
            Files.deleteIfExists(p);
        }
        others.sort((a, b) -> Boolean.compare(a.endsWith(READY), b.endsWith(READY))); // the marker last
        for (Path p : others) {
            JournalDirectory.deleteTree(p);
        }
        Files.deleteIfExists(dir);
    }

    @Override
    public String toString() {
        return dir.getFileName().toString();
    }
}
