package io.replicator.sim;

import io.replicator.core.AckTracker;
import io.replicator.core.Protocol;
import java.util.SplittableRandom;

/**
 * The shape of one seeded run: protocol, sizes, how faulty the world is. Drawn from the seed, so that
 * across seeds the simulator visits small and large bitmap regions, short and long journals (short
 * ones force bitmap and full syncs), tight and loose send windows.
 */
record Profile(
        Protocol protocol,
        int regionBytes,
        long journalMaxEntries,
        long maxBufferBytes,
        double faultRate,
        boolean ioErrors,
        Start start,
        int windowMessages,
        int activityLogExtents,
        int extentShift) {

    /** How the two nodes begin: both freshly created (zeroes, in sync), or one (or both) with no metadata. */
    enum Start { BOTH_CREATED, ONE_INCONSISTENT, BOTH_INCONSISTENT }

    static Profile draw(SplittableRandom r) {
        int p = r.nextInt(10);
        Protocol protocol = p < 7 ? Protocol.C : p < 9 ? Protocol.B : Protocol.A;
        int regionBytes = BlockData.BLOCK_BYTES << r.nextInt(3);
        long journal = 8 + r.nextInt(r.nextBoolean() ? 40 : 400);
        long window = (64L * 1024) << r.nextInt(5);
        double faults = 0.3 + r.nextDouble() * 1.7;
        int s = r.nextInt(10);
        Start start = s < 7 ? Start.BOTH_CREATED : s < 9 ? Start.ONE_INCONSISTENT : Start.BOTH_INCONSISTENT;
        boolean ioErrors = r.nextInt(4) == 0;
        // drawn last, so that the draws above stay as they were: a third of the runs send with a window of
        // 16 to 64 messages, which catch-ups and resyncs fill often (a full window needs the peer's syncs)
        int windowMessages = r.nextInt(3) == 0 ? 16 << r.nextInt(3) : AckTracker.WINDOW;
        // then the activity log: none in a fifth of the runs (a power loss means a full sync), else 2 to 12 extents
        // of 16 to 64 KiB on the 1 MiB volume, few enough that writes evict extents all the time
        int activityLogExtents = r.nextInt(5) == 0 ? 0 : 2 + r.nextInt(11);
        int extentShift = 14 + r.nextInt(3);
        return new Profile(protocol, regionBytes, journal, window, faults, ioErrors, start, windowMessages, activityLogExtents,
                extentShift);
    }

    @Override
    public String toString() {
        return "protocol " + protocol + ", regions " + regionBytes / 1024 + " KiB, journal " + journalMaxEntries
                + " entries, window " + maxBufferBytes / 1024 + " KiB, faults x" + String.format("%.1f", faultRate)
                + (ioErrors ? ", I/O errors" : "") + ", start " + start
                + (windowMessages == AckTracker.WINDOW ? "" : ", " + windowMessages + " messages in flight")
                + (activityLogExtents == 0 ? ", no activity log" : ", activity log " + activityLogExtents + " x "
                + (1 << extentShift) / 1024 + " KiB");
    }
}
