package io.replicator.config;

import io.replicator.core.SplitBrainPolicy;

/**
 * What happens when a split brain is found: the automatic recovery policies (all {@code disconnect} by
 * default) and an optional shell command the daemon runs (null: none).
 */
public record SplitBrainOptions(SplitBrainPolicy policy, String handler) {
}
