package io.replicator.journal;

import java.util.List;

/**
 * The retention rule, apart from the files so that it can be tested alone. Whole cycle files go, oldest
 * first, and only while each one (a) holds only entries below keep-from, (b) is not the newest file (the
 * appender writes into it), (c) is not being read by a cursor, and (d) is over the size bound or entirely
 * older than the age bound. Stopping at the first file that must stay keeps the retained seqs consecutive.
 */
final class Retention {
    private Retention() {}

    /**
     * How many of the oldest spans to drop.
     *
     * @param spans          retained cycle files, oldest first
     * @param keepFromSeq    entries at or above this seq stay
     * @param firstCycleRead the lowest cycle an open cursor is in ({@code Integer.MAX_VALUE} if none)
     * @param cycleMillis    the length of a cycle; cycle c covers [c * cycleMillis, (c + 1) * cycleMillis)
     */
    static int spansToDrop(List<CycleSpan> spans, long keepFromSeq, long maxSizeBytes, long maxAgeMillis,
            long nowMillis, long cycleMillis, int firstCycleRead) {
        long totalBytes = 0;
        for (CycleSpan s : spans) {
            totalBytes += s.endPosition;
        }
        int drop = 0;
        for (int i = 0; i + 1 < spans.size(); i++) {
            CycleSpan span = spans.get(i);
            long lastSeqOfSpan = spans.get(i + 1).firstSeq - 1;
            boolean tooOld = (span.cycle + 1L) * cycleMillis <= nowMillis - maxAgeMillis;
            boolean overSize = totalBytes > maxSizeBytes;
            if (lastSeqOfSpan >= keepFromSeq || span.cycle >= firstCycleRead || !(tooOld || overSize)) {
                break;
            }
            totalBytes -= span.endPosition;
            drop++;
        }
        return drop;
    }
}
