package io.replicator.journal;

import io.replicator.nbd.server.Log;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * Finds, at open, which seqs each segment and each of its cycle files holds: the first entry of every file,
 * checked to continue the previous file exactly (also across segments), and the last entry of each segment.
 * O(files), each a Chronicle index lookup. After a kill -9 Chronicle's {@code lastIndex} ignores an
 * unfinished last entry, so the last seq is that of the last complete one.
 *
 * <p>What a crash can leave, and what happens to it: a segment directory without {@value Segment#READY}
 * (being made) is deleted; a segment without entries (a spare made ahead, or one whose files retention was
 * deleting) is deleted unless it is the newest, which then takes the appends; empty cycle files before a
 * segment's newest one are deleted. Anything else that does not fit is an error naming what it found.
 */
final class QueueRecovery {
    private QueueRecovery() {}

    private static final Log LOG = new Log("journal");
    private static final RollCycle CYCLES = Segment.ROLL_CYCLE;

    /** The open segments (oldest first, at least one), the files holding entries, and the last seq. */
    record Recovered(List<Segment> segments, List<CycleSpan> spans, long lastSeq) {
    }

    private record Found(long seq, long endPosition) {
    }

    static Recovered recover(Path generationDir, long nextSeq, Clock clock, long segmentBytes) throws IOException {
        List<Segment> segments = new ArrayList<>();
        try {
            List<CycleSpan> spans = new ArrayList<>();
            long lastSeq = nextSeq - 1;
            Segment previous = null;
            List<Path> dirs = completeSegmentDirs(generationDir);
            for (int i = 0; i < dirs.size(); i++) {
                Path dir = dirs.get(i);
                Segment segment = Segment.open(dir, Segment.numberOf(dir.getFileName().toString()), clock);
                segments.add(segment);
                List<CycleSpan> found = spans(segment);
                if (found.isEmpty()) {
                    if (i + 1 < dirs.size()) {
                        LOG.info("journal " + generationDir + ": removing " + dir.getFileName() + ", which holds no entries");
                        segments.remove(segment);
                        segment.close();
                        segment.delete();
                    }
                    continue;
                }
                long first = found.get(0).firstSeq;
                if (spans.isEmpty() && first < nextSeq) {
                    throw new IOException("journal " + dir + ": first entry seq " + first
                            + " (expected: >= " + nextSeq + ", the seq of the last reset)");
                }
                if (!spans.isEmpty() && first != lastSeq + 1) {
                    throw new IOException("journal " + dir + ": first entry seq " + first + " (expected: " + (lastSeq + 1)
                            + ", after the last entry of " + previous + "; seqs must be consecutive)");
                }
                segment.firstSeq = first;
                segment.firstIndex = CYCLES.toIndex(found.get(0).cycle, 0);
                if (previous != null) {
                    previous.next = segment;
                }
                previous = segment;
                lastSeq = lastSeqOf(segment, found);
                spans.addAll(found);
            }
            if (segments.isEmpty()) {
                segments.add(Segment.create(generationDir, 1, clock, segmentBytes, Pretoucher.MIN_AHEAD_BYTES));
            } else {
                segments.get(segments.size() - 1).startAppending(segmentBytes, Pretoucher.MIN_AHEAD_BYTES, clock);
            }
            return new Recovered(segments, spans, lastSeq);
        } catch (IOException | RuntimeException | Error e) {
            for (Segment s : segments) {
                try {
                    s.close();
                } catch (RuntimeException closing) {
                    e.addSuppressed(closing);
                }
            }
            throw e;
        }
    }

    /**
     * The complete segment directories, by number; deletes incomplete ones. Anything but segment directories
     * is an error: a journal of an older layout kept its cycle files directly in the generation directory.
     */
    private static List<Path> completeSegmentDirs(Path generationDir) throws IOException {
        TreeMap<Integer, Path> byNumber = new TreeMap<>();
        try (Stream<Path> entries = Files.list(generationDir)) {
            for (Path p : entries.toList()) {
                int number = Segment.numberOf(p.getFileName().toString());
                if (number < 1 || !Files.isDirectory(p)) {
                    throw new IOException("journal " + generationDir + " holds " + p.getFileName() + ", which is not a"
                            + " segment directory (seg-NNNNNNNNNN); a journal written before segments keeps its cycle files"
                            + " there: move the journal directory away to start an empty journal");
                }
                if (!Segment.isComplete(p)) {
                    LOG.info("journal " + generationDir + ": removing " + p.getFileName() + ", left unfinished by a crash");
                    JournalDirectory.deleteTree(p);
                    continue;
                }
                byNumber.put(number, p);
            }
        }
        return new ArrayList<>(byNumber.values());
    }

    /** The files of a segment that hold entries; empty cycle files before the newest one are deleted. */
    private static List<CycleSpan> spans(Segment segment) throws IOException {
        List<CycleSpan> spans = new ArrayList<>();
        SingleChronicleQueue queue = segment.queue;
        if (queue.lastIndex() < 0) {
            return spans;
        }
        List<Integer> emptyCycles = new ArrayList<>();
        try (ExcerptTailer tailer = queue.createTailer()) {
            EntryCodec codec = new EntryCodec();
            for (long c : queue.listCyclesBetween(queue.firstCycle(), queue.lastCycle())) {
                int cycle = (int) c;
                Found first = readAt(tailer, codec, CYCLES.toIndex(cycle, 0));
                if (first == null) {
                    emptyCycles.add(cycle);
                } else {
                    spans.add(new CycleSpan(segment.number, cycle, first.seq(), first.endPosition()));
                }
            }
            for (int i = 0; i + 1 < spans.size(); i++) {
                recoverEnd(tailer, codec, segment, spans.get(i), spans.get(i + 1).firstSeq - 1);
            }
        }
        for (CycleSpan s : spans) {
            checkNamed(segment, s.cycle);
        }
        int newestWithEntries = spans.isEmpty() ? Integer.MIN_VALUE : spans.get(spans.size() - 1).cycle;
        for (int cycle : emptyCycles) {
            if (cycle < newestWithEntries) {
                Files.deleteIfExists(segment.fileFor(cycle));
            }
        }
        if (!emptyCycles.isEmpty()) {
            queue.refreshDirectoryListing();
        }
        return spans;
    }

    /** Checks that a span ends at {@code lastSeq} and records where its last entry ends. */
    private static void recoverEnd(ExcerptTailer tailer, EntryCodec codec, Segment segment, CycleSpan span, long lastSeq)
            throws IOException {
        long count = lastSeq - span.firstSeq + 1;
        if (count < 1) {
            throw new IOException("journal " + segment.dir + ": cycle " + span.cycle + " starts at seq " + span.firstSeq
                    + " but the next cycle starts at seq " + (lastSeq + 1) + " (seqs must increase)");
        }
        Found last = readAt(tailer, codec, CYCLES.toIndex(span.cycle, count - 1));
        if (last == null || last.seq() != lastSeq || readAt(tailer, codec, CYCLES.toIndex(span.cycle, count)) != null) {
            throw new IOException("journal " + segment.dir + ": cycle " + span.cycle + " from seq " + span.firstSeq
                    + " does not end at seq " + lastSeq + " where the next cycle begins (seqs must be consecutive)");
        }
        span.endPosition = last.endPosition();
    }

    /** The last seq of a segment's newest span, read from its last entry; records where that entry ends. */
    private static long lastSeqOf(Segment segment, List<CycleSpan> spans) throws IOException {
        CycleSpan newest = spans.get(spans.size() - 1);
        long lastIndex = segment.queue.lastIndex();
        long expected = newest.firstSeq + CYCLES.toSequenceNumber(lastIndex);
        try (ExcerptTailer tailer = segment.queue.createTailer()) {
            Found last = CYCLES.toCycle(lastIndex) == newest.cycle ? readAt(tailer, new EntryCodec(), lastIndex) : null;
            if (last == null || last.seq() != expected) {
                throw new IOException("journal " + segment.dir + ": last entry at index " + Long.toHexString(lastIndex)
                        + " has seq " + (last == null ? "none" : last.seq()) + " (expected: " + expected + " in cycle "
                        + newest.cycle + ")");
            }
            newest.endPosition = last.endPosition();
            return expected;
        }
    }

    private static Found readAt(ExcerptTailer tailer, EntryCodec codec, long index) throws IOException {
        if (!tailer.moveToIndex(index)) {
            return null;
        }
        try (DocumentContext dc = tailer.readingDocument()) {
            if (!dc.isPresent()) {
                return null;
            }
            Bytes<?> bytes = dc.wire().bytes();
            if (bytes.readRemaining() < EntryCodec.HEADER_BYTES) {
                throw new IOException("journal: entry at index " + Long.toHexString(index) + " has " + bytes.readRemaining()
                        + " bytes (expected: >= " + EntryCodec.HEADER_BYTES + ")");
            }
            bytes.read(codec.headerBytes(), 0, EntryCodec.HEADER_BYTES);
            return new Found(codec.decode().seq(), bytes.readLimit());
        }
    }

    private static void checkNamed(Segment segment, int cycle) throws IOException {
        Path expected = segment.fileFor(cycle);
        if (!Files.exists(expected)) {
            throw new IOException("journal " + segment.dir + ": cycle " + cycle + " is listed but " + expected.getFileName()
                    + " does not exist (Chronicle's file naming changed?)");
        }
    }
}
