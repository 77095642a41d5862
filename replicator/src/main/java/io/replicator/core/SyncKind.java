package io.replicator.core;

/** How a peer that is behind is brought up to date. */
public enum SyncKind {
    /** Replays the writes it missed, in write order: the target stays consistent throughout. */
    journal,
    /** Copies the regions marked in the dirty bitmap: the target is Inconsistent until done. */
    bitmap,
    /** Copies every allocated region (holes stay holes): the target is Inconsistent until done. */
    full
}
