package io.replicator.config;

import java.time.Duration;

/** Journal retention: entries are released when the journal exceeds either bound. */
public record JournalOptions(long maxSizeBytes, Duration maxAge) {
}
