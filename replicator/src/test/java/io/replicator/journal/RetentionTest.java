package io.replicator.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class RetentionTest {

    private static final long MINUTE = 60_000;
    private static final long CYCLE = 5 * MINUTE;

    /** Four files of 100 bytes, cycles 10..13 of segment 1, 10 entries each (seqs 1..40). */
    private static List<CycleSpan> spans() {
        return List.of(new CycleSpan(1, 10, 1, 100), new CycleSpan(1, 11, 11, 100), new CycleSpan(1, 12, 21, 100),
                new CycleSpan(1, 13, 31, 100));
    }

    private static int drop(long keepFrom, long maxSize, long maxAgeMillis, long now, int firstCycleRead) {
        long position = firstCycleRead == Integer.MAX_VALUE ? Long.MAX_VALUE : CycleSpan.position(1, firstCycleRead);
        return Retention.spansToDrop(spans(), keepFrom, maxSize, maxAgeMillis, now, CYCLE, position);
    }

    private static final long NOW = 14 * CYCLE;

    @Test
    void nothingGoesWithinBounds() {
        assertEquals(0, drop(Long.MAX_VALUE, 400, 100 * CYCLE, NOW, Integer.MAX_VALUE));
    }

    @Test
    void sizeDropsOldestUntilWithinTheBound() {
        assertEquals(1, drop(Long.MAX_VALUE, 300, 100 * CYCLE, NOW, Integer.MAX_VALUE));
        assertEquals(2, drop(Long.MAX_VALUE, 299, 100 * CYCLE, NOW, Integer.MAX_VALUE));
        assertEquals(3, drop(Long.MAX_VALUE, 0, 100 * CYCLE, NOW, Integer.MAX_VALUE)); // the newest stays
    }

    @Test
    void ageDropsFilesWhoseEveryEntryIsTooOld() {
        // Cycle 10 ends at 11 * CYCLE; at 14 * CYCLE it is 3 cycles old.
        assertEquals(0, drop(Long.MAX_VALUE, 400, 3 * CYCLE + 1, NOW, Integer.MAX_VALUE));
        assertEquals(1, drop(Long.MAX_VALUE, 400, 3 * CYCLE, NOW, Integer.MAX_VALUE));
        assertEquals(3, drop(Long.MAX_VALUE, 400, 0, NOW + 100 * CYCLE, Integer.MAX_VALUE));
    }

    @Test
    void keepFromStopsAtTheFileHoldingIt() {
        assertEquals(0, drop(10, 0, 0, NOW, Integer.MAX_VALUE)); // seq 10 is in the first file
        assertEquals(1, drop(11, 0, 0, NOW, Integer.MAX_VALUE));
        assertEquals(2, drop(30, 0, 0, NOW, Integer.MAX_VALUE));
        assertEquals(3, drop(31, 0, 0, NOW, Integer.MAX_VALUE));
    }

    @Test
    void aFileACursorIsInStays() {
        assertEquals(1, drop(Long.MAX_VALUE, 0, 0, NOW, 11));
        assertEquals(0, drop(Long.MAX_VALUE, 0, 0, NOW, 10));
    }

    /** Size rolls: segments 1..3 in the same cycle, then segment 3 rolls by time into cycle 11. */
    private static List<CycleSpan> segmentedSpans() {
        return List.of(new CycleSpan(1, 10, 1, 100), new CycleSpan(2, 10, 11, 100), new CycleSpan(3, 10, 21, 100),
                new CycleSpan(3, 11, 31, 100));
    }

    @Test
    void filesOfSeveralSegmentsGoOldestFirst() {
        List<CycleSpan> spans = segmentedSpans();
        assertEquals(2, Retention.spansToDrop(spans, Long.MAX_VALUE, 200, 100 * CYCLE, NOW, CYCLE, Long.MAX_VALUE));
        assertEquals(1, Retention.spansToDrop(spans, 20, 0, 100 * CYCLE, NOW, CYCLE, Long.MAX_VALUE));
        assertEquals(2, Retention.spansToDrop(spans, 21, 0, 100 * CYCLE, NOW, CYCLE, Long.MAX_VALUE));
        assertEquals(3, Retention.spansToDrop(spans, Long.MAX_VALUE, 0, 100 * CYCLE, NOW, CYCLE, Long.MAX_VALUE));
    }

    @Test
    void aCursorInALaterSegmentOfTheSameCycleLetsEarlierSegmentsGo() {
        List<CycleSpan> spans = segmentedSpans();
        assertEquals(1, Retention.spansToDrop(spans, Long.MAX_VALUE, 0, 0, NOW, CYCLE, CycleSpan.position(2, 10)));
        assertEquals(2, Retention.spansToDrop(spans, Long.MAX_VALUE, 0, 0, NOW, CYCLE, CycleSpan.position(3, 10)));
        assertEquals(3, Retention.spansToDrop(spans, Long.MAX_VALUE, 0, 0, NOW, CYCLE, CycleSpan.position(3, 11)));
    }

    @Test
    void positionsOrderBySegmentThenCycle() {
        assertTrue(CycleSpan.position(1, Integer.MAX_VALUE) < CycleSpan.position(2, 0));
        assertTrue(CycleSpan.position(2, 5_900_000) < CycleSpan.position(2, 5_900_001));
    }
}
