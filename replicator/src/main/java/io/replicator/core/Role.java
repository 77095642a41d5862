package io.replicator.core;

/** A node's role for the volume: only a Primary serves NBD clients and originates writes. */
public enum Role {
    Primary,
    Secondary,
    /** The peer's role while it is not connected. */
    Unknown
}
