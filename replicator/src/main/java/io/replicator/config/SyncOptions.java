package io.replicator.config;

/**
 * Resync, catch-up and verify traffic: at most {@code maxRate} (0 = as fast as the link's send window allows),
 * and, while the application writes, only {@code minRate} (0 = no yielding), in bytes per second.
 */
public record SyncOptions(long minRateBytesPerSecond, long maxRateBytesPerSecond) {
    /** While the application writes, resync still gets this much (DRBD's c-min-rate, for a faster link). */
    public static final long DEFAULT_MIN_RATE = 10L << 20;
}
