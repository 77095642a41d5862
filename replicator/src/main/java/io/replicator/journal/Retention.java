package io.replicator.journal;

import java.util.List;

/**
 * The retention rule, apart from the files so that it can be tested alone. Whole files go, oldest first,
 * and only while each one (a) holds only entries below keep-from, (b) is not the newest file (the appender
 * writes into it), (c) is not being read by a cursor, and (d) is over the size bound or entirely older than
 * the age bound. Stopping at the first file that must stay keeps the retained seqs consecutive. Size rolls
 * keep every file but the newest below about one segment, so the size bound holds to within a segment.
 */
final class Retention {
    private Retention() {}

    /**
     * How many of the oldest spans to drop.
     *
     * @param spans             retained files, oldest first
     * @param keepFromSeq       entries at or above this seq stay
     * @param firstPositionRead the lowest {@link CycleSpan#position()} an open cursor is in ({@code Long.MAX_VALUE} if none)
     * @param cycleMillis       the length of a cycle; cycle c covers [c * cycleMillis, (c + 1) * cycleMillis)
     */
    static int spansToDrop(List<CycleSpan> spans, long keepFromSeq, long maxSizeBytes, long maxAgeMillis,
            long nowMillis, long cycleMillis, long firstPositionRead) {
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
            if (lastSeqOfSpan >= keepFromSeq || span.position() >= firstPositionRead || !(tooOld || overSize)) {
                break;
            }
            totalBytes -= span.endPosition;
            drop++;
        }
        return drop;
    }
}
