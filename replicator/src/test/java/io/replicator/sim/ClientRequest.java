package io.replicator.sim;

import io.replicator.core.ReplicaCore;
import io.replicator.core.Ticket;
import java.util.List;

/**
 * One NBD request in flight on a Primary, as an I/O thread of {@code ReplicatedDevice} runs it: the
 * core call (done at issue), then {@code syncLocal} for FLUSH and FUA, then waiting on the ticket.
 * {@code writeId} names the data a write put in its blocks (0 for a flush).
 */
final class ClientRequest {
    enum Kind { WRITE, TRIM, ZEROES, FLUSH }

    final Kind kind;
    final long writeId;
    final int firstBlock;
    final int blocks;
    final boolean fua;
    final ReplicaCore core;
    final Ticket ticket;
    /**
     * For a FLUSH: the writes this node issued before it (the ones it must make durable), until a sync
     * from the peer replaces this node's data (then they may be legitimately gone).
     */
    List<ClientRequest> covered;
    /** Per node, the other node's failovers and forces when this request was issued (see {@link Floors}). */
    long[][] peerEpochsAtIssue;
    boolean localSynced;
    /**
     * The writes the peer made durable for this request (checked when its ack arrived), with the peer's
     * power epoch then: they become promises only when the request completes (the client is told).
     */
    List<ClientRequest> peerDurable = List.of();
    int peerEpoch;
    /** The peer's part was checked when its acknowledgement arrived. */
    boolean peerChecked;

    ClientRequest(Kind kind, long writeId, int firstBlock, int blocks, boolean fua, ReplicaCore core, Ticket ticket,
            List<ClientRequest> covered) {
        this.kind = kind;
        this.writeId = writeId;
        this.firstBlock = firstBlock;
        this.blocks = blocks;
        this.fua = fua;
        this.core = core;
        this.ticket = ticket;
        this.covered = covered;
    }

    boolean zero() {
        return kind == Kind.TRIM || kind == Kind.ZEROES;
    }

    boolean needsLocalSync() {
        return (kind == Kind.FLUSH || fua) && !localSynced;
    }

    @Override
    public String toString() {
        return kind == Kind.FLUSH ? "flush(seq " + ticket.seq() + ")"
                : kind + " #" + writeId + " blocks " + firstBlock + "+" + blocks + (fua ? " FUA" : "") + " seq " + ticket.seq();
    }
}
