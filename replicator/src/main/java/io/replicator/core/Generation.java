package io.replicator.core;

/**
 * One generation of a node's data: writes with sequence numbers from {@code firstSeq} on were made
 * under this {@code uuid}. A node that writes as Primary without a connected peer starts a new one,
 * so two nodes that both did so since their last common generation have diverged (split brain).
 */
public record Generation(long uuid, long firstSeq) {
}
