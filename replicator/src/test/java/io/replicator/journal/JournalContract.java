package io.replicator.journal;

import static io.replicator.journal.Entries.ALLOC;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What every {@link Journal} promises; run against each implementation by a subclass. */
abstract class JournalContract {

    protected Journal journal;

    /** A new, empty journal. */
    protected abstract Journal create() throws IOException;

    @BeforeEach
    void openJournal() throws IOException {
        journal = create();
    }

    @AfterEach
    void closeJournal() throws IOException {
        journal.close();
    }

    @Test
    void newJournalIsEmptyAndStartsAtOne() throws IOException {
        assertEquals(0, journal.lastSeq());
        assertEquals(1, journal.firstSeq());
        try (Journal.Cursor c = journal.read(1)) {
            assertNull(c.next(ALLOC));
        }
    }

    @Test
    void appendedEntriesReadBackInOrder() throws IOException {
        Entries.appendRange(journal, 1, 200);
        assertEquals(1, journal.firstSeq());
        assertEquals(200, journal.lastSeq());
        Entries.readAndCheck(journal, 1, 200);
    }

    @Test
    void readStartsAtAnySeq() throws IOException {
        Entries.appendRange(journal, 1, 100);
        for (long from : new long[] {1, 2, 50, 99, 100}) {
            Entries.readAndCheck(journal, from, 100);
        }
        try (Journal.Cursor c = journal.read(101)) {
            assertNull(c.next(ALLOC));
        }
    }

    @Test
    void readOutsideRetainedRangeIsRefused() throws IOException {
        Entries.appendRange(journal, 1, 10);
        IllegalArgumentException low = assertThrows(IllegalArgumentException.class, () -> journal.read(0));
        assertEquals("fromSeq: 0 (expected: 1..11)", low.getMessage());
        assertThrows(IllegalArgumentException.class, () -> journal.read(12));
    }

    @Test
    void seqMustBeConsecutive() throws IOException {
        Entries.appendRange(journal, 1, 3);
        IllegalArgumentException gap = assertThrows(IllegalArgumentException.class, () -> Entries.append(journal, 5));
        assertEquals("seq: 5 (expected: 4)", gap.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Entries.append(journal, 3));
        assertThrows(IllegalArgumentException.class, () -> Entries.append(journal, 0));
        assertEquals(3, journal.lastSeq());
        Entries.append(journal, 4);
        Entries.readAndCheck(journal, 1, 4);
    }

    @Test
    void malformedEntriesAreRefused() {
        ByteBuf four = Unpooled.buffer(4).writeInt(7);
        assertThrows(IllegalArgumentException.class, () -> journal.append(1, Journal.WRITE, 0, 0, 4, null));
        assertThrows(IllegalArgumentException.class, () -> journal.append(1, Journal.WRITE, 0, 0, 5, four));
        assertThrows(IllegalArgumentException.class, () -> journal.append(1, Journal.TRIM, 0, 0, 4, four));
        assertThrows(IllegalArgumentException.class, () -> journal.append(1, Journal.ZEROES, 0, 0, 4, four));
        assertThrows(IllegalArgumentException.class, () -> journal.append(1, (byte) 9, 0, 0, 4, null));
        assertThrows(IllegalArgumentException.class, () -> journal.append(1, Journal.TRIM, 0, -1, 4, null));
        assertEquals(0, journal.lastSeq());
    }

    @Test
    void appendDoesNotConsumeTheData() throws IOException {
        ByteBuf data = Unpooled.buffer(16).writeZero(3).writeLong(0x0102030405060708L).writeZero(5);
        data.readerIndex(3);
        data.writerIndex(11);
        journal.append(1, Journal.WRITE, 0, 0, 8, data);
        assertEquals(3, data.readerIndex());
        assertEquals(11, data.writerIndex());
        try (Journal.Cursor c = journal.read(1)) {
            Journal.Entry e = c.next(ALLOC);
            assertEquals(0x0102030405060708L, e.data().getLong(0));
            assertEquals(8, e.data().readableBytes());
            e.data().release();
        }
    }

    @Test
    void heapAndCompositeBuffersInAndOut() throws IOException {
        ByteBuf heap = Unpooled.buffer(64).writeZero(7).writeBytes(Entries.data(1, Entries.lengthFor(1)));
        heap.readerIndex(7);
        journal.append(1, Journal.WRITE, 1, 4096, Entries.lengthFor(1), heap.slice());
        ByteBuf whole = Entries.data(2, Entries.lengthFor(2));
        ByteBuf composite = Unpooled.wrappedBuffer(whole.retainedSlice(0, 100), Unpooled.copiedBuffer(whole.slice(100, whole.readableBytes() - 100)));
        journal.append(2, Journal.WRITE, 2, 8192, Entries.lengthFor(2), composite);
        heap.release();
        whole.release();
        composite.release();
        ByteBufAllocator heapOnly = new io.netty.buffer.UnpooledByteBufAllocator(false);
        try (Journal.Cursor c = journal.read(1)) {
            Entries.check(1, c.next(heapOnly));
            Entries.check(2, c.next(heapOnly));
        }
    }

    @Test
    void trimAndZeroesCarryNoData() throws IOException {
        journal.append(1, Journal.TRIM, 0, 1L << 40, 1L << 33, null);
        journal.append(2, Journal.ZEROES, 2, 4096, 65536, null);
        try (Journal.Cursor c = journal.read(1)) {
            assertEquals(new Journal.Entry(1, Journal.TRIM, 0, 1L << 40, 1L << 33, null), c.next(ALLOC));
            assertEquals(new Journal.Entry(2, Journal.ZEROES, 2, 4096, 65536, null), c.next(ALLOC));
            assertNull(c.next(ALLOC));
        }
    }

    @Test
    void cursorAtTheEndSeesLaterAppends() throws IOException {
        Entries.appendRange(journal, 1, 5);
        try (Journal.Cursor c = journal.read(3)) {
            Entries.check(3, c.next(ALLOC));
            Entries.check(4, c.next(ALLOC));
            Entries.check(5, c.next(ALLOC));
            assertNull(c.next(ALLOC));
            Entries.appendRange(journal, 6, 7);
            Entries.check(6, c.next(ALLOC));
            Entries.check(7, c.next(ALLOC));
            assertNull(c.next(ALLOC));
        }
    }

    @Test
    void cursorOnAnEmptyJournalSeesTheFirstAppend() throws IOException {
        try (Journal.Cursor c = journal.read(1)) {
            assertNull(c.next(ALLOC));
            Entries.append(journal, 1);
            Entries.check(1, c.next(ALLOC));
        }
    }

    @Test
    void resetDropsEverythingAndSetsTheNextSeq() throws IOException {
        Entries.appendRange(journal, 1, 20);
        Journal.Cursor old = journal.read(5);
        journal.reset(1000);
        assertEquals(999, journal.lastSeq());
        assertEquals(1000, journal.firstSeq());
        assertThrows(IOException.class, () -> old.next(ALLOC));
        old.close();
        assertThrows(IllegalArgumentException.class, () -> Entries.append(journal, 21));
        assertThrows(IllegalArgumentException.class, () -> journal.read(5));
        Entries.appendRange(journal, 1000, 1010);
        Entries.readAndCheck(journal, 1000, 1010);
        journal.reset(3);
        Entries.appendRange(journal, 3, 4);
        Entries.readAndCheck(journal, 3, 4);
    }

    @Test
    void resetNeedsAPositiveSeq() {
        assertThrows(IllegalArgumentException.class, () -> journal.reset(0));
    }

    @Test
    void syncAfterAppends() throws IOException {
        journal.sync();
        Entries.appendRange(journal, 1, 50);
        journal.sync();
        journal.sync();
        Entries.readAndCheck(journal, 1, 50);
    }

    @Test
    void startedSyncsAreAwaitedInAnyOrderWhileAppendsGoOn() throws IOException {
        Entries.appendRange(journal, 1, 20);
        Journal.PendingSync first = journal.startSync();
        Entries.appendRange(journal, 21, 40);
        Journal.PendingSync second = journal.startSync();
        second.await();
        first.await();
        Entries.readAndCheck(journal, 1, 40);
    }

    @Test
    void oneMebibyteEntries() throws IOException {
        int length = 1 << 20;
        for (long seq = 1; seq <= 8; seq++) {
            ByteBuf data = Entries.data(seq, length);
            journal.append(seq, Journal.WRITE, 0, seq << 20, length, data);
            data.release();
        }
        try (Journal.Cursor c = journal.read(1)) {
            for (long seq = 1; seq <= 8; seq++) {
                Journal.Entry e = c.next(ALLOC);
                ByteBuf expected = Entries.data(seq, length);
                assertTrue(io.netty.buffer.ByteBufUtil.equals(expected, e.data()), "data of seq " + seq);
                expected.release();
                e.data().release();
            }
        }
    }

    @Test
    void theLargestNbdWriteFitsAndALargerOneIsRefused() throws IOException {
        ByteBuf max = Entries.data(1, Journal.MAX_DATA_BYTES);
        journal.append(1, Journal.WRITE, 0, 0, Journal.MAX_DATA_BYTES, max);
        max.release();
        ByteBuf over = Unpooled.buffer(Journal.MAX_DATA_BYTES + 1).writeZero(Journal.MAX_DATA_BYTES + 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> journal.append(2, Journal.WRITE, 0, 0, Journal.MAX_DATA_BYTES + 1, over));
        assertEquals("WRITE length: 33554433 (expected: <= 33554432)", e.getMessage());
        over.release();
        try (Journal.Cursor c = journal.read(1)) {
            Journal.Entry entry = c.next(ALLOC);
            ByteBuf expected = Entries.data(1, Journal.MAX_DATA_BYTES);
            assertTrue(io.netty.buffer.ByteBufUtil.equals(expected, entry.data()));
            expected.release();
            entry.data().release();
        }
    }

    @Test
    void sizeGrowsWithAppends() throws IOException {
        long empty = journal.sizeBytes();
        Entries.appendRange(journal, 1, 10);
        long ten = journal.sizeBytes();
        assertTrue(ten >= empty + 10 * 512, "size " + ten + " after 10 entries of >= 512 bytes, from " + empty);
    }

    @Test
    void trimNeverDropsAtOrAboveKeepFrom() throws IOException {
        Entries.appendRange(journal, 1, 100);
        long dropped = journal.trim(1);
        assertEquals(0, dropped);
        assertEquals(1, journal.firstSeq());
        Entries.readAndCheck(journal, 1, 100);
    }

    @Test
    void closedCursorRefusesReads() throws IOException {
        Entries.appendRange(journal, 1, 2);
        Journal.Cursor c = journal.read(1);
        c.close();
        assertThrows(IllegalStateException.class, () -> c.next(ALLOC));
    }
}
