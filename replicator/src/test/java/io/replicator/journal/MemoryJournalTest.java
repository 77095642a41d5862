package io.replicator.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import org.junit.jupiter.api.Test;

class MemoryJournalTest extends JournalContract {

    @Override
    protected Journal create() {
        return new MemoryJournal(50);
    }

    @Test
    void trimKeepsAtMostMaxEntries() throws IOException {
        Entries.appendRange(journal, 1, 120);
        assertEquals(70, journal.trim(Long.MAX_VALUE));
        assertEquals(71, journal.firstSeq());
        assertEquals(120, journal.lastSeq());
        Entries.readAndCheck(journal, 71, 120);
        assertEquals(0, journal.trim(Long.MAX_VALUE));
    }

    @Test
    void trimStopsAtKeepFrom() throws IOException {
        Entries.appendRange(journal, 1, 120);
        assertEquals(9, journal.trim(10));
        assertEquals(10, journal.firstSeq());
        assertEquals(61, journal.trim(100));
        assertEquals(71, journal.firstSeq());
    }

    @Test
    void cursorBehindTrimFails() throws IOException {
        Entries.appendRange(journal, 1, 120);
        Journal.Cursor c = journal.read(1);
        journal.trim(Long.MAX_VALUE);
        IOException e = assertThrows(IOException.class, () -> c.next(Entries.ALLOC));
        assertEquals("entry seq 1 was trimmed before this cursor read it (first: 71)", e.getMessage());
    }

    @Test
    void sizeCountsFramesAndData() throws IOException {
        journal.append(1, Journal.TRIM, 0, 0, 4096, null);
        assertEquals(MemoryJournal.FRAME_BYTES, journal.sizeBytes());
        journal.append(2, Journal.WRITE, 0, 0, 3, io.netty.buffer.Unpooled.wrappedBuffer(new byte[3]));
        assertEquals(2 * MemoryJournal.FRAME_BYTES + 3, journal.sizeBytes());
        journal.reset(9);
        assertEquals(0, journal.sizeBytes());
    }

    @Test
    void closedJournalRefusesWork() throws IOException {
        journal.close();
        assertThrows(IllegalStateException.class, () -> Entries.append(journal, 1));
    }
}
