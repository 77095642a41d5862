package io.replicator.journal;

import static io.replicator.journal.Entries.ALLOC;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Size rolls: the journal contract with segments so small that most tests cross several, and what segments
 * add: a bounded size under heavy writes, reads and cursors across segments, retention of whole segments,
 * and what an open finds after a crash mid-roll.
 */
class ChronicleSegmentsTest extends JournalContract {

    /** A few standard entries per segment (Chronicle's file header takes some 30 KiB of it). */
    private static final long SEGMENT = 64 << 10;
    private static final long LARGE = 1L << 40;
    private static final Duration WEEK = Duration.ofDays(7);

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-20T10:00:00Z"));

    @Override
    protected Journal create() throws IOException {
        return ChronicleJournal.open(dir, LARGE, WEEK, clock, SEGMENT);
    }

    private void reopen(long maxSizeBytes) throws IOException {
        journal.close();
        journal = ChronicleJournal.open(dir, maxSizeBytes, WEEK, clock, SEGMENT);
    }

    private Path generationDir() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().startsWith("gen-")).findFirst().orElseThrow();
        }
    }

    private List<Path> segmentDirs() throws IOException {
        try (Stream<Path> files = Files.list(generationDir())) {
            return files.sorted().toList();
        }
    }

    @Test
    void segmentSizeIsAnEighthOfTheBoundWithinLimits() {
        assertEquals(4L << 20, ChronicleJournal.segmentBytesFor(1 << 20));
        assertEquals(8L << 20, ChronicleJournal.segmentBytesFor(64L << 20));
        assertEquals(128L << 20, ChronicleJournal.segmentBytesFor(1L << 30));
        assertEquals(128L << 20, ChronicleJournal.segmentBytesFor(1L << 40));
    }

    @Test
    void heavyWritesWithThePeerAwayStayWithinTheBoundPlusOneSegment() throws IOException {
        journal.close();
        long maxSize = 64L << 20; // the smallest journal.max-size the configuration accepts
        long segment = ChronicleJournal.segmentBytesFor(maxSize);
        journal = ChronicleJournal.open(dir, maxSize, WEEK, clock); // the daemon's way: segment from the bound
        int length = 256 << 10;
        long last = (3 * maxSize) / length; // 192 MiB within one five-minute cycle
        for (long seq = 1; seq <= last; seq++) {
            ByteBuf data = Entries.data(seq, length);
            journal.append(seq, Journal.WRITE, 0, seq * length, length, data);
            data.release();
            journal.trim(seq + 1); // keep-from past the end: only the bounds hold entries
            assertTrue(journal.sizeBytes() <= maxSize + segment,
                    "size " + journal.sizeBytes() + " after seq " + seq + " (expected: <= " + (maxSize + segment) + ")");
        }
        long first = journal.firstSeq();
        assertTrue(first > last / 2, "firstSeq " + first + " of " + last + ": retention did not drop old segments");
        long retainedSegments = maxSize / segment + 1;
        assertTrue(segmentDirs().size() <= retainedSegments + 1, "segments " + segmentDirs() + " (expected: at most "
                + retainedSegments + " and a spare: retention deletes the directories of dropped segments)");
        journal.close();
        journal = ChronicleJournal.open(dir, maxSize, WEEK, clock);
        assertEquals(first, journal.firstSeq());
        assertEquals(last, journal.lastSeq());
        try (Journal.Cursor c = journal.read(first)) {
            for (long seq = first; seq <= last; seq++) {
                Journal.Entry e = c.next(ALLOC);
                assertEquals(seq, e.seq());
                ByteBuf expected = Entries.data(seq, length);
                assertTrue(ByteBufUtil.equals(expected, e.data()), "data of seq " + seq);
                expected.release();
                e.data().release();
            }
            assertNull(c.next(ALLOC));
        }
    }

    /**
     * The pages just past a segment's size are touched too: the entry that fills the segment ends there, and
     * an untouched page cost that append (the roll's) milliseconds. Ahead of one entry the thread touches as
     * far as it may (2 MiB at least, more than a test segment): the limit, not the segment size.
     */
    @Test
    void theEntryThatFillsASegmentFindsItsPagesTouched() throws Exception {
        Entries.appendRange(journal, 1, 1);
        ChronicleJournal chronicle = (ChronicleJournal) journal;
        long limit = Pretoucher.limitFor(SEGMENT);
        assertTrue(limit > SEGMENT && limit <= SEGMENT + SEGMENT / 16, "limit " + limit);
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (chronicle.pretouchedTo() < limit && System.nanoTime() - deadline < 0) {
            Thread.sleep(10); // polling the thread's progress under a deadline
        }
        assertTrue(chronicle.pretouchedTo() > SEGMENT, "pages touched up to " + chronicle.pretouchedTo() + ", segment " + SEGMENT);
        assertEquals(limit, chronicle.pretouchedTo());
    }

    @Test
    void seqsContinueAcrossSegmentsAndReopen() throws IOException {
        Entries.appendRange(journal, 1, 150);
        clock.advance(Duration.ofMinutes(5)); // a time roll within a segment too
        Entries.appendRange(journal, 151, 300);
        assertTrue(segmentDirs().size() > 10, "segments " + segmentDirs());
        for (long from = 1; from <= 301; from += 7) {
            Entries.readAndCheck(journal, from, 300);
        }
        reopen(LARGE);
        assertEquals(1, journal.firstSeq());
        assertEquals(300, journal.lastSeq());
        Entries.appendRange(journal, 301, 400);
        reopen(LARGE);
        assertEquals(400, journal.lastSeq());
        for (long from = 1; from <= 401; from += 13) {
            Entries.readAndCheck(journal, from, 400);
        }
    }

    @Test
    void aCursorFollowsTheWriterFromSegmentToSegment() throws IOException {
        try (Journal.Cursor c = journal.read(1)) {
            for (long seq = 1; seq <= 200; seq++) {
                Entries.append(journal, seq);
                Entries.check(seq, c.next(ALLOC));
                assertNull(c.next(ALLOC));
            }
        }
        assertTrue(segmentDirs().size() > 10, "segments " + segmentDirs());
    }

    @Test
    void aCursorOnASegmentWithoutEntriesSeesAFirstEntryOfALaterCycle() throws IOException {
        journal.reset(100); // a new segment, its cycle file made ahead for 10:00
        try (Journal.Cursor c = journal.read(100)) {
            assertNull(c.next(ALLOC));
            clock.advance(Duration.ofMinutes(10));
            Entries.appendRange(journal, 100, 102);
            for (long seq = 100; seq <= 102; seq++) {
                Entries.check(seq, c.next(ALLOC));
            }
        }
    }

    @Test
    void retentionDeletesWholeSegmentsButNotTheOneACursorIsIn() throws IOException {
        Entries.appendRange(journal, 1, 200);
        reopen(1);
        int before = segmentDirs().size();
        try (Journal.Cursor c = journal.read(100)) {
            long dropped = journal.trim(Long.MAX_VALUE);
            assertTrue(dropped > 50 && dropped < 100, "dropped " + dropped + " entries (expected: those before seq 100's file)");
            assertTrue(segmentDirs().size() < before, "segments " + segmentDirs());
            for (long seq = 100; seq <= 200; seq++) {
                Entries.check(seq, c.next(ALLOC));
            }
            assertNull(c.next(ALLOC));
        }
        journal.trim(Long.MAX_VALUE);
        long first = journal.firstSeq();
        assertTrue(first > 190, "firstSeq " + first + " (expected: only the newest file left)");
        assertTrue(segmentDirs().size() <= 2, "segments " + segmentDirs() + " (expected: the newest and perhaps a spare)");
        Entries.readAndCheck(journal, first, 200);
        reopen(1);
        assertEquals(first, journal.firstSeq());
        assertEquals(200, journal.lastSeq());
        Entries.readAndCheck(journal, first, 200);
    }

    @Test
    void syncAfterRetentionDeletedSegmentsItHadNotSynced() throws IOException {
        Entries.appendRange(journal, 1, 100);
        reopen(1);
        Entries.appendRange(journal, 101, 200); // unsynced, in segments that the trim below deletes
        assertTrue(journal.trim(Long.MAX_VALUE) > 100);
        journal.sync();
        Entries.appendRange(journal, 201, 210);
        journal.sync();
        Entries.readAndCheck(journal, journal.firstSeq(), 210);
    }

    @Test
    void openRemovesASegmentLeftUnfinishedAndTakesAnEmptyNewestOne() throws IOException {
        Entries.appendRange(journal, 1, 40);
        journal.close();
        Path gen = generationDir();
        List<Path> segments = segmentDirs();
        int newest = Segment.numberOf(segments.get(segments.size() - 1).getFileName().toString());
        Segment.create(gen, newest + 1, clock, SEGMENT, 0).close(); // a spare made ahead: complete, no entries
        Path unfinished = gen.resolve(Segment.name(newest + 2)); // a crash while making a segment
        Files.createDirectories(unfinished);
        Files.writeString(unfinished.resolve("metadata.cq4t"), "half");
        journal = ChronicleJournal.open(dir, LARGE, WEEK, clock, SEGMENT);
        assertTrue(Files.notExists(unfinished));
        assertEquals(40, journal.lastSeq());
        Entries.appendRange(journal, 41, 43);
        assertTrue(Files.exists(gen.resolve(Segment.name(newest + 1)).resolve(Segment.READY)));
        reopen(LARGE);
        assertEquals(43, journal.lastSeq());
        Entries.readAndCheck(journal, 1, 43);
    }

    @Test
    void openRemovesAnEmptySegmentBeforeTheOthers() throws IOException {
        Entries.appendRange(journal, 1, 100);
        reopen(1);
        journal.trim(Long.MAX_VALUE);
        long first = journal.firstSeq();
        journal.close();
        int oldest = Segment.numberOf(segmentDirs().get(0).getFileName().toString());
        assertTrue(oldest > 1, "segments " + segmentDirs());
        // What a crash while retention deletes a segment leaves: the directory without its cycle files.
        Segment.create(generationDir(), oldest - 1, clock, SEGMENT, 0).close();
        journal = ChronicleJournal.open(dir, LARGE, WEEK, clock, SEGMENT);
        assertTrue(Files.notExists(generationDir().resolve(Segment.name(oldest - 1))));
        assertEquals(first, journal.firstSeq());
        Entries.readAndCheck(journal, first, 100);
    }

    @Test
    void aMissingSegmentIsAnErrorAtOpen() throws IOException {
        Entries.appendRange(journal, 1, 100);
        journal.close();
        List<Path> segments = segmentDirs();
        JournalDirectory.deleteTree(segments.get(segments.size() / 2));
        IOException e = assertThrows(IOException.class, () -> ChronicleJournal.open(dir, LARGE, WEEK, clock, SEGMENT));
        assertTrue(e.getMessage().contains("seqs must be consecutive"), e.getMessage());
        journal = new MemoryJournal(1); // for the teardown
    }

    @Test
    void aFileBesideTheSegmentsIsAnErrorAtOpen() throws IOException {
        Entries.appendRange(journal, 1, 3);
        journal.close();
        Files.writeString(generationDir().resolve("20261120-1000V.cq4"), "a journal of the old layout");
        IOException e = assertThrows(IOException.class, () -> ChronicleJournal.open(dir, LARGE, WEEK, clock, SEGMENT));
        assertTrue(e.getMessage().contains("not a segment directory"), e.getMessage());
        journal = new MemoryJournal(1); // for the teardown
    }

    @Test
    void closeStopsEveryThreadOfTheJournal() throws IOException {
        Entries.appendRange(journal, 1, 100); // many segments, each had a pretouch thread; a spare is being made
        journal.reset(200);
        Entries.appendRange(journal, 200, 300);
        journal.close();
        List<String> left = Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith("journal-")).toList();
        assertEquals(List.of(), left, "threads left after close");
        journal = new MemoryJournal(1); // for the teardown
    }

    @Test
    void resetStartsTheSegmentsAgain() throws IOException {
        Entries.appendRange(journal, 1, 100);
        journal.reset(500);
        assertEquals(1, segmentDirs().size(), "segments " + segmentDirs());
        Entries.appendRange(journal, 500, 600);
        reopen(LARGE);
        assertEquals(500, journal.firstSeq());
        assertEquals(600, journal.lastSeq());
        Entries.readAndCheck(journal, 500, 600);
    }
}
