package io.replicator.journal;

/**
 * One cycle file of the queue that holds entries: its Chronicle cycle number, the seq of its first entry,
 * and the file offset just past its last entry (how many bytes of the file are in use). Mutable only in
 * {@code endPosition}, which the appender advances for the newest file; guarded by the journal's lock.
 */
final class CycleSpan {
    final int cycle;
    final long firstSeq;
    long endPosition;

    CycleSpan(int cycle, long firstSeq, long endPosition) {
        this.cycle = cycle;
        this.firstSeq = firstSeq;
        this.endPosition = endPosition;
    }

    @Override
    public String toString() {
        return "cycle " + cycle + " from seq " + firstSeq + " (" + endPosition + " bytes)";
    }
}
