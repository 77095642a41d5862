package io.replicator.journal;

import static io.replicator.journal.Entries.ALLOC;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChronicleJournalTest extends JournalContract {

    private static final Duration CYCLE = Duration.ofMinutes(5);
    private static final long LARGE = 1L << 40;

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-20T10:00:00Z"));

    @Override
    protected Journal create() throws IOException {
        return ChronicleJournal.open(dir, LARGE, Duration.ofDays(7), clock);
    }

    @Test
    void closeWaitsForAStartedSyncAndLaterSyncsAreRefused() throws IOException {
        Entries.appendRange(journal, 1, 100);
        Journal.PendingSync pending = journal.startSync();
        journal.close();
        pending.await(); // finished before the close, not failed by it
        assertThrows(IllegalStateException.class, journal::startSync);
        journal = reopen(LARGE, Duration.ofDays(7));
        Entries.readAndCheck(journal, 1, 100);
    }

    /**
     * The pretouch thread faults in the pages ahead of the appender (with MADV_POPULATE_WRITE where the
     * kernel has it) before the appender reaches them. Measured by the thread's own progress: what the
     * kernel shows for a faulted page depends on the filesystem (block allocation waits for writeback
     * on some, and readahead makes untouched pages resident on others), so neither SEEK_HOLE nor mincore
     * tells on every machine CI may run on.
     */
    @Test
    void pagesAheadOfTheAppenderAreFaultedIn() throws Exception {
        Entries.appendRange(journal, 1, 10);
        ChronicleJournal chronicle = (ChronicleJournal) journal;
        long want = Pretoucher.MIN_AHEAD_BYTES;
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (chronicle.pretouchedTo() < want && System.nanoTime() - deadline < 0) {
            Thread.sleep(10); // polling the thread's progress under a deadline
        }
        assertTrue(chronicle.pretouchedTo() >= want, "pages faulted in up to " + chronicle.pretouchedTo() + ", expected "
                + want + " (filesystem " + Files.getFileStore(dir).type() + ")");
    }

    /**
     * Large data goes into the cycle file by pwrite ({@link PayloadWriter}), small data through the mapping:
     * both read back intact, interleaved, from a live cursor and after a reopen, including a size around the
     * threshold and one that is not a multiple of a page.
     */
    @Test
    void largeAndSmallDataReadBackWhicheverWayTheyWereWritten() throws IOException {
        int[] lengths = {4096, PayloadWriter.PWRITE_MIN_BYTES - 1, PayloadWriter.PWRITE_MIN_BYTES, 100, (1 << 20) + 3, 512,
                (8 << 20) + 4096};
        for (int i = 0; i < lengths.length; i++) {
            ByteBuf data = Entries.data(i + 1, lengths[i]);
            try {
                journal.append(i + 1, Journal.WRITE, 0, 0, lengths[i], data);
            } finally {
                data.release();
            }
        }
        for (int pass = 0; pass < 2; pass++) {
            try (Journal.Cursor cursor = journal.read(1)) {
                for (int i = 0; i < lengths.length; i++) {
                    Journal.Entry e = cursor.next(Entries.ALLOC);
                    ByteBuf expected = Entries.data(i + 1, lengths[i]);
                    try {
                        assertTrue(ByteBufUtil.equals(expected, e.data()), "data of an entry of " + lengths[i] + " bytes");
                    } finally {
                        expected.release();
                        e.data().release();
                    }
                }
            }
            reopen(LARGE, Duration.ofDays(7));
        }
    }

    private Journal reopen(long maxSizeBytes, Duration maxAge) throws IOException {
        journal.close();
        journal = ChronicleJournal.open(dir, maxSizeBytes, maxAge, clock);
        return journal;
    }

    /** Appends {@code perCycle} entries into each of {@code cycles} cycle files, moving the clock between. */
    private long appendAcrossCycles(long from, int cycles, int perCycle) throws IOException {
        long seq = from;
        for (int c = 0; c < cycles; c++) {
            Entries.appendRange(journal, seq, seq + perCycle - 1);
            seq += perCycle;
            clock.advance(CYCLE);
        }
        return seq - 1;
    }

    private List<Path> segmentDirs() throws IOException {
        try (Stream<Path> files = Files.walk(dir, 2)) {
            return files.filter(p -> p.getFileName().toString().startsWith("seg-")).sorted().toList();
        }
    }

    private List<Path> cycleFiles() throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(p -> p.toString().endsWith(".cq4")).sorted().toList();
        }
    }

    @Test
    void readsFromAnySeqAcrossCycleFiles() throws IOException {
        long last = appendAcrossCycles(1, 6, 37);
        assertEquals(6, cycleFiles().size(), "cycle files " + cycleFiles());
        for (long from = 1; from <= last + 1; from += 5) {
            Entries.readAndCheck(journal, from, last);
        }
        Entries.readAndCheck(journal, 37, last); // last entry of the first file
        Entries.readAndCheck(journal, 38, last); // first entry of the second
    }

    @Test
    void reopenRecoversFirstAndLast() throws IOException {
        long last = appendAcrossCycles(1, 4, 25);
        reopen(LARGE, Duration.ofDays(7));
        assertEquals(1, journal.firstSeq());
        assertEquals(last, journal.lastSeq());
        Entries.appendRange(journal, last + 1, last + 10);
        reopen(LARGE, Duration.ofDays(7));
        assertEquals(last + 10, journal.lastSeq());
        Entries.readAndCheck(journal, 1, last + 10);
    }

    @Test
    void reopenAfterTrimRecoversTheNewFirstSeq() throws IOException {
        long last = appendAcrossCycles(1, 4, 25);
        reopen(1, Duration.ofDays(7));
        assertEquals(75, journal.trim(Long.MAX_VALUE));
        reopen(1, Duration.ofDays(7));
        assertEquals(76, journal.firstSeq());
        assertEquals(last, journal.lastSeq());
        Entries.readAndCheck(journal, 76, last);
    }

    @Test
    void resetIsRememberedWithNoEntries() throws IOException {
        Entries.appendRange(journal, 1, 30);
        journal.reset(5000);
        reopen(LARGE, Duration.ofDays(7));
        assertEquals(5000, journal.firstSeq());
        assertEquals(4999, journal.lastSeq());
        Entries.appendRange(journal, 5000, 5004);
        reopen(LARGE, Duration.ofDays(7));
        assertEquals(5000, journal.firstSeq());
        assertEquals(5004, journal.lastSeq());
        Entries.readAndCheck(journal, 5000, 5004);
        try (Stream<Path> entries = Files.list(dir)) {
            assertEquals(List.of("gen-2", "journal.lock", "journal.meta"),
                    entries.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    @Test
    void trimBySizeDropsOldestFilesButKeepsFromSeq() throws IOException {
        long[] fileBytes = new long[5];
        for (int f = 0; f < 5; f++) {
            long before = journal.sizeBytes();
            appendAcrossCycles(1 + 20L * f, 1, 20);
            fileBytes[f] = journal.sizeBytes() - before;
        }
        long maxSize = fileBytes[3] + fileBytes[4] + fileBytes[2] / 2; // the newest two fit, three do not
        reopen(maxSize, Duration.ofDays(7));
        assertEquals(20, journal.trim(35)); // the second file holds 21..40 and 35 must stay
        assertEquals(21, journal.firstSeq());
        assertEquals(40, journal.trim(Long.MAX_VALUE));
        assertEquals(61, journal.firstSeq());
        assertEquals(0, journal.trim(Long.MAX_VALUE));
        assertEquals(fileBytes[3] + fileBytes[4], journal.sizeBytes());
        Entries.readAndCheck(journal, 61, 100);
        assertEquals(2, cycleFiles().size(), "cycle files " + cycleFiles());
    }

    @Test
    void trimByAgeDropsFilesOlderThanTheBoundButKeepsFromSeq() throws IOException {
        long last = appendAcrossCycles(1, 4, 10); // files of 10:00, 10:05, 10:10, 10:15; clock now 10:20
        reopen(LARGE, Duration.ofMinutes(12));
        // Entries older than 10:08: only the 10:00 file ends before that.
        assertEquals(10, journal.trim(Long.MAX_VALUE));
        assertEquals(0, journal.trim(Long.MAX_VALUE));
        clock.advance(Duration.ofMinutes(10)); // 10:30: the 10:05 and 10:10 files are too old
        assertEquals(0, journal.trim(11));
        assertEquals(10, journal.trim(25));
        assertEquals(10, journal.trim(Long.MAX_VALUE));
        assertEquals(31, journal.firstSeq());
        Entries.readAndCheck(journal, 31, last);
    }

    @Test
    void theNewestFileIsNeverTrimmed() throws IOException {
        long last = appendAcrossCycles(1, 2, 10);
        reopen(1, Duration.ofMinutes(1));
        clock.advance(Duration.ofDays(1));
        assertEquals(10, journal.trim(Long.MAX_VALUE));
        assertEquals(11, journal.firstSeq());
        Entries.readAndCheck(journal, 11, last);
        Entries.append(journal, last + 1); // into a new file
        assertEquals(10, journal.trim(Long.MAX_VALUE));
        assertEquals(last + 1, journal.firstSeq());
    }

    @Test
    void trimLeavesTheFileAnOpenCursorIsIn() throws IOException {
        long last = appendAcrossCycles(1, 4, 10);
        reopen(1, Duration.ofDays(7));
        try (Journal.Cursor c = journal.read(15)) {
            assertEquals(10, journal.trim(Long.MAX_VALUE));
            Entries.check(15, c.next(ALLOC));
            for (long seq = 16; seq <= 25; seq++) {
                Entries.check(seq, c.next(ALLOC));
            }
            assertEquals(10, journal.trim(Long.MAX_VALUE)); // the cursor has moved on to the third file
        }
        assertEquals(10, journal.trim(Long.MAX_VALUE));
        assertEquals(31, journal.firstSeq());
        Entries.readAndCheck(journal, 31, last);
    }

    @Test
    void aCursorLeftOpenAcrossAResetDoesNotStopRetention() throws IOException {
        Entries.appendRange(journal, 1, 10);
        Journal.Cursor stale = journal.read(1); // never closed; in the 10:00 file of the old generation
        journal.reset(100);
        long last = appendAcrossCycles(100, 3, 10); // files of 10:00, 10:05, 10:10 in the new generation
        assertThrows(IOException.class, () -> stale.next(ALLOC));
        clock.advance(Duration.ofDays(8)); // every closed file is past the 7-day bound
        assertEquals(20, journal.trim(Long.MAX_VALUE));
        assertEquals(120, journal.firstSeq());
        Entries.readAndCheck(journal, 120, last);
    }

    @Test
    void sizeCountsTheRetainedFiles() throws IOException {
        appendAcrossCycles(1, 3, 10);
        long three = journal.sizeBytes();
        reopen(LARGE, Duration.ofDays(7));
        assertEquals(three, journal.sizeBytes(), "size after reopen");
        reopen(1, Duration.ofDays(7));
        journal.trim(Long.MAX_VALUE);
        assertTrue(journal.sizeBytes() < three / 2, "size " + journal.sizeBytes() + " after trimming two of three files of " + three);
    }

    @Test
    void aDamagedEntryIsAnErrorOnRead() throws IOException {
        Entries.appendRange(journal, 1, 3); // seq 1 and 2 are WRITEs
        journal.close();
        // The header of seq 2 (seq, type WRITE, flags 2), then damage a byte of its data.
        byte[] header = java.nio.ByteBuffer.allocate(13).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .putLong(2).put(Journal.WRITE).putInt(2).array();
        flipByte(cycleFiles().get(0), header, EntryCodec.HEADER_BYTES + 100);
        journal = ChronicleJournal.open(dir, LARGE, Duration.ofDays(7), clock);
        assertEquals(3, journal.lastSeq());
        try (Journal.Cursor c = journal.read(1)) {
            Entries.check(1, c.next(ALLOC));
            IOException e = assertThrows(IOException.class, () -> c.next(ALLOC));
            assertTrue(e.getMessage().contains("entry seq 2 checksum mismatch"), e.getMessage());
        }
    }

    /** Flips one bit of the byte {@code skip} bytes after the only place {@code needle} occurs. */
    private static void flipByte(Path file, byte[] needle, int skip) throws IOException {
        byte[] content = new byte[1 << 20]; // the entries are near the start; the file is a sparse 320 MiB
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            raf.readFully(content);
        }
        int found = -1;
        for (int i = 0; i + needle.length <= content.length; i++) {
            if (java.util.Arrays.equals(content, i, i + needle.length, needle, 0, needle.length)) {
                assertEquals(-1, found, "the needle occurs twice in " + file);
                found = i;
            }
        }
        assertTrue(found >= 0, "needle not found in " + file);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(found + skip);
            raf.write(content[found + skip] ^ 0x40);
        }
    }

    @Test
    void entriesCrossTheMappedBlockBoundary() throws IOException {
        // Production segments end before the first 256 MiB mapped block does; a larger one must still work.
        journal.close();
        journal = ChronicleJournal.open(dir, LARGE, Duration.ofDays(7), clock, 4 * Segment.BLOCK_BYTES);
        int length = Journal.MAX_DATA_BYTES;
        int count = (int) (Segment.BLOCK_BYTES / length) + 2; // past the first block
        for (long seq = 1; seq <= count; seq++) {
            io.netty.buffer.ByteBuf data = Entries.data(seq, length);
            journal.append(seq, Journal.WRITE, 0, 0, length, data);
            data.release();
        }
        journal.close();
        journal = ChronicleJournal.open(dir, LARGE, Duration.ofDays(7), clock, 4 * Segment.BLOCK_BYTES);
        assertEquals(1, segmentDirs().size(), "segments " + segmentDirs());
        try (Journal.Cursor c = journal.read(1)) {
            for (long seq = 1; seq <= count; seq++) {
                Journal.Entry e = c.next(ALLOC);
                io.netty.buffer.ByteBuf expected = Entries.data(seq, length);
                assertTrue(io.netty.buffer.ByteBufUtil.equals(expected, e.data()), "data of seq " + seq);
                expected.release();
                e.data().release();
            }
        }
    }

    @Test
    void aSecondOpenOfTheSameDirectoryIsRefused() {
        IOException e = assertThrows(IOException.class, () -> ChronicleJournal.open(dir, LARGE, Duration.ofDays(1), clock));
        assertTrue(e.getMessage().contains("already open"), e.getMessage());
    }

    @Test
    void aDirectoryWithQueuesButNoMetadataIsRefused() throws IOException {
        Entries.appendRange(journal, 1, 3);
        journal.close();
        Files.delete(dir.resolve(JournalMeta.FILE_NAME));
        IOException e = assertThrows(IOException.class, () -> ChronicleJournal.open(dir, LARGE, Duration.ofDays(1), clock));
        assertTrue(e.getMessage().contains("no journal.meta"), e.getMessage());
        journal = new MemoryJournal(1); // for the teardown
    }

    @Test
    void aSyncFailureIsSticky() throws IOException {
        Entries.appendRange(journal, 1, 3);
        Files.delete(cycleFiles().get(0)); // the disk loses the file under the journal
        IOException first = assertThrows(IOException.class, journal::sync);
        assertTrue(first.getMessage().contains("sync of"), first.getMessage());
        IOException later = assertThrows(IOException.class, () -> Entries.append(journal, 4));
        assertTrue(later.getMessage().contains("failed earlier"), later.getMessage());
        assertThrows(IOException.class, journal::sync);
    }

    @Test
    void leftoversOfAnInterruptedResetAreRemovedAtOpen() throws IOException {
        Entries.appendRange(journal, 1, 3);
        journal.close();
        Files.createDirectories(dir.resolve("gen-7"));
        Files.writeString(dir.resolve("journal.meta.tmp"), "half");
        journal = ChronicleJournal.open(dir, LARGE, Duration.ofDays(1), clock);
        assertEquals(3, journal.lastSeq());
        assertTrue(Files.notExists(dir.resolve("gen-7")));
        assertTrue(Files.notExists(dir.resolve("journal.meta.tmp")));
    }

    @Test
    void aCursorReadsAcrossARollWhileTheWriterAppends() throws IOException {
        Entries.appendRange(journal, 1, 5);
        try (Journal.Cursor c = journal.read(1)) {
            for (long seq = 1; seq <= 5; seq++) {
                Entries.check(seq, c.next(ALLOC));
            }
            assertNull(c.next(ALLOC));
            clock.advance(CYCLE);
            Entries.appendRange(journal, 6, 8);
            for (long seq = 6; seq <= 8; seq++) {
                Entries.check(seq, c.next(ALLOC));
            }
            assertNull(c.next(ALLOC));
        }
    }
}
