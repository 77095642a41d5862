package io.replicator.config;

/** Resync: the rate bound for resync traffic, 0 = unlimited. */
public record SyncOptions(long maxRateBytesPerSecond) {
}
