package io.replicator.sim;

/**
 * The durability promises made to clients, per node and block: the newest write a completed FLUSH (or
 * FUA write) covered there. A block must hold that write or a newer one for as long as the promise
 * stands. A promise made while the peer acknowledged the sync ({@code replicated}) stands until an
 * operator forces the peer's promotion over a disk that was not UpToDate (he accepted the loss); one
 * made by the node alone (peer away: a degraded flush) also falls when the peer is promoted while
 * disconnected from it: without fencing, a failover may lose what only the old Primary had. Both count
 * from when the write was issued, not from when its flush completed.
 */
final class Floors {

    /** One promise; {@code otherFailovers}/{@code otherForces}: the peer's counts when it was made. */
    private record Floor(long writeId, boolean zero, long otherFailovers, long otherForces) {
    }

    private final Floor[][] replicated;
    private final Floor[][] local;
    /** Per block, the newest write of zeroes (trim or write-zeroes) any client issued: zeroes satisfy older promises. */
    private final long[] newestZeroWrite;
    /** Per node: promotions while disconnected, and promotions with --force over a disk not UpToDate. */
    private final long[] failovers = new long[2];
    private final long[] forces = new long[2];

    Floors(int blocks) {
        replicated = new Floor[2][blocks];
        local = new Floor[2][blocks];
        newestZeroWrite = new long[blocks];
    }

    /** Whether a client wrote zeroes over {@code block} after write {@code writeId}. */
    boolean newerZeroWrite(int block, long writeId) {
        return newestZeroWrite[block] > writeId;
    }

    void zeroWriteIssued(int block, long writeId) {
        newestZeroWrite[block] = Math.max(newestZeroWrite[block], writeId);
    }

    void failover(int node) {
        failovers[node]++;
    }

    void forced(int node) {
        forces[node]++;
    }

    /** The peer's failovers and forces so far (a write records them when it is issued). */
    long[] epochsOfPeer(int node) {
        return new long[] {failovers[1 - node], forces[1 - node]};
    }

    /**
     * Records that {@code block} of {@code node} must keep write {@code writeId} (or newer);
     * {@code peerEpochs}: the peer's counts when the write was issued (a failover after that may lose it,
     * even if the client hears of its completion later).
     */
    void promise(int node, int block, long writeId, boolean zero, boolean replicatedOnPeer, long[] peerEpochs) {
        Floor[][] kind = replicatedOnPeer ? replicated : local;
        Floor old = kind[node][block];
        if (old == null || old.writeId <= writeId || !valid(node, old, replicatedOnPeer)) {
            kind[node][block] = new Floor(writeId, zero, peerEpochs[0], peerEpochs[1]);
        }
    }

    /** The node's disk was replaced (an operator wiped it): no promise stands. */
    void wiped(int node) {
        java.util.Arrays.fill(replicated[node], null);
        java.util.Arrays.fill(local[node], null);
    }

    /** Why {@code block} of {@code node} holding write {@code id} (0: zeroes) breaks a promise, or null. */
    String violation(int node, int block, long id) {
        String r = check(node, block, id, replicated[node][block], true);
        return r != null ? r : check(node, block, id, local[node][block], false);
    }

    private String check(int node, int block, long id, Floor f, boolean isReplicated) {
        if (f == null || !valid(node, f, isReplicated)) {
            return null;
        }
        boolean ok;
        if (id == BlockData.CORRUPT) {
            ok = false;
        } else if (id == 0) {
            ok = f.zero || newestZeroWrite[block] > f.writeId;
        } else {
            ok = f.zero ? id > f.writeId : id >= f.writeId;
        }
        if (ok) {
            return null;
        }
        return "block " + block + " holds " + describe(id) + " but a completed " + (isReplicated ? "replicated" : "local")
                + " flush promised " + (f.zero ? "zeroes of write #" : "write #") + f.writeId + " or newer";
    }

    private boolean valid(int node, Floor f, boolean isReplicated) {
        int other = 1 - node;
        return f.otherForces == forces[other] && (isReplicated || f.otherFailovers == failovers[other]);
    }

    static String describe(long id) {
        return id == 0 ? "zeroes" : id == BlockData.CORRUPT ? "corrupt data" : "write #" + id;
    }
}
