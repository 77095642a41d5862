package io.replicator.core;

/** When a write is acknowledged to the NBD client (DRBD's protocols). */
public enum Protocol {
    /** Local write done and the data handed to the link. */
    A,
    /** Local write done and the peer has received the data. */
    B,
    /** Local write done and the peer's write done. */
    C
}
