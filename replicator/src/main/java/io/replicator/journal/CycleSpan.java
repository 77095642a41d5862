package io.replicator.journal;

/**
 * One file that holds entries: the cycle file {@code cycle} of segment {@code segment}, the seq of its first
 * entry, and the file offset just past its last entry (how many bytes of the file are in use). Mutable only
 * in {@code endPosition}, which the appender advances for the newest file; guarded by the journal's lock.
 */
final class CycleSpan {
    final int segment;
    final int cycle;
    final long firstSeq;
    long endPosition;

    CycleSpan(int segment, int cycle, long firstSeq, long endPosition) {
        this.segment = segment;
        this.cycle = cycle;
        this.firstSeq = firstSeq;
        this.endPosition = endPosition;
    }

    /** Orders files as their seqs are ordered: by segment, then cycle (cycles are positive). */
    long position() {
        return position(segment, cycle);
    }

    static long position(int segment, int cycle) {
        return ((long) segment << 32) | (cycle & 0xFFFF_FFFFL);
    }

    @Override
    public String toString() {
        return "segment " + segment + " cycle " + cycle + " from seq " + firstSeq + " (" + endPosition + " bytes)";
    }
}
