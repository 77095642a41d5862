package io.replicator.core;

/** The replication link's state (DRBD's names). */
public enum ConnectionState {
    /** Not trying to connect: after {@code replctl disconnect}, or after a refused connection. */
    StandAlone,
    /** Dialling or listening for the peer, or authenticating. */
    Connecting,
    Connected
}
