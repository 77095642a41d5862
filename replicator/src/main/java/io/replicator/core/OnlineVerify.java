package io.replicator.core;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * One run of {@code replctl verify}: the Primary sends the digest of every region in its live stream, the
 * peer compares each with its own and reports the regions that differ. With {@code repair}, each such
 * region is rewritten from the Primary's copy (an ordinary replicated write of the same bytes). Guarded by
 * the core's lock; the last run's result stays visible in the status.
 */
final class OnlineVerify {
    /** Out-of-sync ranges kept for the status and the log (the count and bytes cover them all). */
    static final int MAX_RANGES = 100;

    final boolean repair;
    final long totalRegions;
    final long regionBytes;
    final long startNanos;
    long cursor;
    /** Digests sent whose answer has not come yet. */
    long awaiting;
    long outOfSyncRegions;
    long repairedRegions;
    /** "done", or why it stopped; null while it runs. */
    String endedBy;
    final List<long[]> ranges = new ArrayList<>(); // [offset, length], merged when adjacent
    /** Differing regions to rewrite (with repair): the pump does it, off the link's event loop. */
    final ArrayDeque<long[]> toRepair = new ArrayDeque<>();

    OnlineVerify(boolean repair, long totalRegions, long regionBytes, long startNanos) {
        this.repair = repair;
        this.totalRegions = totalRegions;
        this.regionBytes = regionBytes;
        this.startNanos = startNanos;
    }

    void mismatch(long offset, long length) {
        outOfSyncRegions++;
        long[] last = ranges.isEmpty() ? null : ranges.get(ranges.size() - 1);
        if (last != null && last[0] + last[1] == offset) {
            last[1] += length;
        } else if (ranges.size() < MAX_RANGES) {
            ranges.add(new long[] {offset, length});
        }
    }

    double progress() {
        return totalRegions == 0 ? 1.0 : Math.min(1.0, (double) cursor / totalRegions);
    }

    List<String> rangeTexts() {
        List<String> out = new ArrayList<>(ranges.size());
        for (long[] r : ranges) {
            out.add(r[0] + "+" + r[1]);
        }
        return out;
    }
}
