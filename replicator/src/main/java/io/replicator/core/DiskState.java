package io.replicator.core;

/** DRBD's disk states, in increasing order of usefulness (the order matters: compare with ordinal). */
public enum DiskState {
    Diskless,
    Attaching,
    /** Being written by a bitmap or full sync: not a usable copy until the sync ends. */
    Inconsistent,
    /** A usable copy that is known to be older than the peer's. */
    Outdated,
    /** The peer's disk while it is not connected. */
    DUnknown,
    /** A usable copy whose freshness is not known yet, or that is catching up from the journal. */
    Consistent,
    UpToDate;

    public boolean isUsable() {
        return this == Outdated || this == Consistent || this == UpToDate;
    }
}
