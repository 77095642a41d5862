package io.replicator.core;

/** What the connected pair is doing (DRBD's names). {@link #Off} while not connected. */
public enum ReplicationState {
    Off,
    Established,
    SyncSource,
    SyncTarget
}
