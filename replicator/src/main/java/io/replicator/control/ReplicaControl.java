package io.replicator.control;

/** What the control socket and the HTTP endpoint may ask of a running daemon. */
public interface ReplicaControl {

    NodeStatus status();

    /** Refused while the peer is Primary, or (unless {@code force}) while the local disk is not UpToDate. */
    ControlResult promote(boolean force);

    /** Refused while NBD clients are connected, unless {@code force} (which disconnects them). */
    ControlResult demote(boolean force);

    /**
     * Leaves StandAlone and (re)connects to the peer; with {@code discardMyData}, this node gives up its side
     * of a split brain (its changed blocks are saved, then it resyncs from the peer).
     */
    ControlResult connect(boolean discardMyData);

    /** Drops the link and stays StandAlone until {@link #connect}. */
    ControlResult disconnect();

    /** Starts an online verify against the peer (on the Primary); with {@code repair}, differing regions are rewritten. */
    ControlResult verify(boolean repair);

    /** Drops this (Secondary) node's data: Inconsistent, then a full sync from the peer. */
    ControlResult invalidate();

    /** Marks this disconnected Secondary's data Outdated: it is not promoted without --force. */
    ControlResult outdate();
}
