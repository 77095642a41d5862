package io.replicator.daemon;

/**
 * The rate the sync pump may use now, as DRBD's {@code c-min-rate} does it: while the application writes,
 * resync and verify traffic drops to the minimum rate, so that application I/O keeps priority; otherwise it
 * runs at the maximum (0: no bound but the link's send window, so it adapts to the link). A journal catch-up
 * always runs at the maximum: it must outpace the client writes it replays after, or it might never end.
 * Plain logic with the time passed in, so that it can be tested without a clock.
 */
final class ResyncThrottle {
    /** The application counts as busy for this long after its last write. */
    static final long BUSY_NANOS = 100_000_000L;

    private final long minRate;
    private final long maxRate;
    private long lastWrites = -1;
    private long lastBusyNanos;
    private boolean everBusy;

    /** Rates in bytes per second; {@code maxRate} 0 = unbounded, {@code minRate} 0 = resync also stops yielding. */
    ResyncThrottle(long minRate, long maxRate) {
        this.minRate = minRate;
        this.maxRate = maxRate;
    }

    /**
     * @param applicationWrites a counter of the application's writes
     * @param catchingUp        a journal catch-up runs (not a resync or verify)
     * @return bytes per second, 0 = unbounded
     */
    long rate(long nowNanos, long applicationWrites, boolean catchingUp) {
        if (lastWrites >= 0 && applicationWrites != lastWrites) {
            lastBusyNanos = nowNanos;
            everBusy = true;
        }
        lastWrites = applicationWrites;
        boolean busy = everBusy && nowNanos - lastBusyNanos < BUSY_NANOS;
        if (busy && minRate > 0 && !catchingUp) {
            return maxRate > 0 ? Math.min(minRate, maxRate) : minRate;
        }
        return maxRate;
    }
}
