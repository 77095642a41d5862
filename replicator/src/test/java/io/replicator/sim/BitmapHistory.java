package io.replicator.sim;

import io.replicator.journal.DirtyBitmap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * What a power loss leaves of the memory-mapped dirty bitmap: the kernel may have written its page back
 * at any moment since the last {@code force()} (msync), so after the loss the bits are as they were at
 * one of those moments. The simulator records the bits after every step and forgets them at each force
 * (the in-memory bitmap reports its {@code force()} calls).
 */
final class BitmapHistory {
    private static final int MAX_SNAPSHOTS = 32;

    private final List<long[]> sinceForce = new ArrayList<>();

    BitmapHistory(DirtyBitmap bitmap) {
        forced(bitmap);
    }

    /** The bits are on disk as they are now. */
    void forced(DirtyBitmap bitmap) {
        sinceForce.clear();
        sinceForce.add(snapshot(bitmap));
    }

    void observe(DirtyBitmap bitmap) {
        long[] now = snapshot(bitmap);
        if (!Arrays.equals(now, sinceForce.get(sinceForce.size() - 1))) {
            if (sinceForce.size() == MAX_SNAPSHOTS) {
                sinceForce.remove(1); // keep the forced state and the newest ones
            }
            sinceForce.add(now);
        }
    }

    /** Sets the bitmap to one of the states the disk may hold after a power loss; returns which one. */
    int powerLoss(DirtyBitmap bitmap, SplittableRandom random) {
        int pick = random.nextInt(sinceForce.size());
        long[] bits = sinceForce.get(pick);
        bitmap.clearAll();
        for (int w = 0; w < bits.length; w++) {
            for (long word = bits[w]; word != 0; word &= word - 1) {
                long region = (long) w * 64 + Long.numberOfTrailingZeros(word);
                bitmap.mark(region * bitmap.regionBytes(), 1);
            }
        }
        forced(bitmap);
        return pick;
    }

    private static long[] snapshot(DirtyBitmap bitmap) {
        long[] bits = new long[(int) ((bitmap.regions() + 63) / 64)];
        for (long r = bitmap.nextDirty(0); r >= 0; r = bitmap.nextDirty(r + 1)) {
            bits[(int) (r >>> 6)] |= 1L << r;
        }
        return bits;
    }
}
