package io.replicator.journal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * Finds, at open, which seqs each cycle file holds: the first entry of every file, checked to continue the
 * previous file exactly, and the last entry of the newest. O(cycle files), each a Chronicle index lookup.
 * After a kill -9 Chronicle's {@code lastIndex} ignores an unfinished last entry, so the last seq is that
 * of the last complete one.
 */
final class QueueRecovery {
    private QueueRecovery() {}

    /** The cycle files holding entries, oldest first, and the last seq ({@code nextSeq - 1} if none). */
    record Recovered(List<CycleSpan> spans, long lastSeq) {
    }

    private record Found(long seq, long endPosition) {
    }

    static Recovered recover(SingleChronicleQueue queue, Path dir, long nextSeq) throws IOException {
        List<CycleSpan> spans = spans(queue, dir);
        if (spans.isEmpty()) {
            return new Recovered(spans, nextSeq - 1);
        }
        if (spans.get(0).firstSeq < nextSeq) {
            throw new IOException("journal " + dir + ": first entry seq " + spans.get(0).firstSeq
                    + " (expected: >= " + nextSeq + ", the seq of the last reset)");
        }
        return new Recovered(spans, lastSeqOf(queue, spans));
    }

    /** The spans of the cycle files that hold entries; empty cycle files before the newest one are deleted. */
    private static List<CycleSpan> spans(SingleChronicleQueue queue, Path dir) throws IOException {
        List<CycleSpan> spans = new ArrayList<>();
        if (queue.lastIndex() < 0) {
            return spans;
        }
        List<Integer> emptyCycles = new ArrayList<>();
        try (ExcerptTailer tailer = queue.createTailer()) {
            EntryCodec codec = new EntryCodec();
            for (long c : queue.listCyclesBetween(queue.firstCycle(), queue.lastCycle())) {
                int cycle = (int) c;
                Found first = readAt(tailer, codec, QueueGeneration.ROLL_CYCLE.toIndex(cycle, 0));
                if (first == null) {
                    emptyCycles.add(cycle);
                } else {
                    spans.add(new CycleSpan(cycle, first.seq(), first.endPosition()));
                }
            }
            for (int i = 0; i + 1 < spans.size(); i++) {
                recoverEnd(tailer, codec, dir, spans.get(i), spans.get(i + 1).firstSeq - 1);
            }
        }
        for (CycleSpan s : spans) {
            checkNamed(dir, s.cycle);
        }
        int newestWithEntries = spans.isEmpty() ? Integer.MIN_VALUE : spans.get(spans.size() - 1).cycle;
        for (int cycle : emptyCycles) {
            if (cycle < newestWithEntries) {
                Files.deleteIfExists(QueueGeneration.fileName(dir, cycle));
            }
        }
        if (!emptyCycles.isEmpty()) {
            queue.refreshDirectoryListing();
        }
        return spans;
    }

    /** Checks that a span ends at {@code lastSeq} and records where its last entry ends. */
    private static void recoverEnd(ExcerptTailer tailer, EntryCodec codec, Path dir, CycleSpan span, long lastSeq)
            throws IOException {
        long count = lastSeq - span.firstSeq + 1;
        if (count < 1) {
            throw new IOException("journal " + dir + ": cycle " + span.cycle + " starts at seq " + span.firstSeq
                    + " but the next cycle starts at seq " + (lastSeq + 1) + " (seqs must increase)");
        }
        Found last = readAt(tailer, codec, QueueGeneration.ROLL_CYCLE.toIndex(span.cycle, count - 1));
        if (last == null || last.seq() != lastSeq || readAt(tailer, codec, QueueGeneration.ROLL_CYCLE.toIndex(span.cycle, count)) != null) {
            throw new IOException("journal " + dir + ": cycle " + span.cycle + " from seq " + span.firstSeq
                    + " does not end at seq " + lastSeq + " where the next cycle begins (seqs must be consecutive)");
        }
        span.endPosition = last.endPosition();
    }

    /** The last seq of the newest span, read from its last entry; records where that entry ends. */
    private static long lastSeqOf(SingleChronicleQueue queue, List<CycleSpan> spans) throws IOException {
        CycleSpan newest = spans.get(spans.size() - 1);
        long lastIndex = queue.lastIndex();
        long expected = newest.firstSeq + QueueGeneration.ROLL_CYCLE.toSequenceNumber(lastIndex);
        try (ExcerptTailer tailer = queue.createTailer()) {
            Found last = QueueGeneration.ROLL_CYCLE.toCycle(lastIndex) == newest.cycle ? readAt(tailer, new EntryCodec(), lastIndex) : null;
            if (last == null || last.seq() != expected) {
                throw new IOException("journal " + queue.fileAbsolutePath() + ": last entry at index "
                        + Long.toHexString(lastIndex) + " has seq " + (last == null ? "none" : last.seq())
                        + " (expected: " + expected + " in cycle " + newest.cycle + ")");
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

    private static void checkNamed(Path dir, int cycle) throws IOException {
        Path expected = QueueGeneration.fileName(dir, cycle);
        if (!Files.exists(expected)) {
            throw new IOException("journal " + dir + ": cycle " + cycle + " is listed but " + expected.getFileName()
                    + " does not exist (Chronicle's file naming changed?)");
        }
    }

}
