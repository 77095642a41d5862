package io.replicator.sim;

import io.replicator.control.NodeStatus;
import io.replicator.core.AckTracker;
import io.replicator.core.ConnectDecision;
import io.replicator.core.SplitBrainPolicy;
import io.replicator.core.DiskState;
import io.replicator.core.ReplicationState;
import io.replicator.core.Role;
import io.replicator.wire.Message;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The safety rules of architecture.md, checked while the simulation runs. Each check names its rule:
 * <ol>
 *   <li>At most one Primary among connected nodes: never both Primary while both are attached to the
 *       same connection. (Two disconnected Primaries can exist after a --force or a failover during a
 *       partition; rule 6 covers their reconnection.)
 *   <li>A Secondary writes its disk only from the replication stream or a resync; checked on every
 *       mutation of a disk: client writes only while the core is Primary, stream writes only while it
 *       is not, crash recovery (journal redo) only inside {@code ReplicaCore.open}, nothing else ever.
 *   <li>Protocol C: when the peer's acknowledgement completes a write (level WRITTEN), the write (or a
 *       newer one) is in both page caches. When a FLUSH or FUA completes, what it covered is on the
 *       durable layer of the node(s) that synced it, and stays there (or newer) on every later mutation
 *       and after every power loss (see {@link Floors} for the only legitimate exceptions: an
 *       operator's --force, and a failover without fencing for writes the old Primary had alone).
 *   <li>Connected, Established, both UpToDate and quiet (nothing in flight, no request pending): the two
 *       disks are byte-identical.
 *   <li>A node that became UpToDate by a sync holds exactly the source's data: checked at the first quiet
 *       point after the sync (the same comparison, reported as rule 5). Also, at quiet points and after
 *       every restart, no block is corrupt (torn inside a block, misplaced, or a mix of writes).
 *   <li>Nothing is silently overwritten: when both nodes accepted writes while disconnected (each holds
 *       writes the other lacks), a connection must end in SPLIT_BRAIN, UNRELATED or REFUSED (both go
 *       StandAlone), and no replication stream may write either disk while they are split.
 *   <li>No ByteBuf leaks: after the run, every buffer the cores, the network and the clients allocated
 *       was released (checked by {@link Simulation} at the end).
 *   <li>(Not in architecture.md.) No protocol errors: both nodes run this code, so neither ever sends
 *       what the other refuses; a refusal closes the link, which costs availability.
 *   <li>(Not in architecture.md.) A sync shows its progress on both sides: a SyncSource or SyncTarget
 *       (of any kind, a journal catch-up too) reports a progress between 0 and 1 in its status.
 *   <li>(Not in architecture.md.) An online verify that ran to its end finds no region that differs: it
 *       starts only on an in-sync pair, and each digest travels in the stream behind the writes it covers.
 * </ol>
 */
final class Invariants {
    private final Simulation sim;
    private long comparedMutations = -1;
    /** Per node: its last verify had ended when last looked at (each end is counted and checked once). */
    private final boolean[] verifyEnded = new boolean[2];
    /** A node became UpToDate through a sync since the last identical comparison. */
    private boolean syncFinished;

    Invariants(Simulation sim) {
        this.sim = sim;
    }

    // ------------------------------------------------------------------ every step

    void everyStep() throws IOException {
        atMostOnePrimary();
        syncProgressShown();
        verifyFindsNothing();
        if (quiet()) {
            compareQuiet();
        }
    }

    /** Rule 1. */
    private void atMostOnePrimary() {
        SimNode a = sim.nodes[0];
        SimNode b = sim.nodes[1];
        if (a.up() && b.up() && a.core.role() == Role.Primary && b.core.role() == Role.Primary) {
            SimNetwork.Connection ca = attached(a);
            if (ca != null && ca == attached(b)) {
                sim.fail(1, "both nodes are Primary while connected to each other on " + ca);
            }
        }
    }

    /** Rule 9. */
    private void syncProgressShown() {
        for (SimNode n : sim.nodes) {
            if (!n.up()) {
                continue;
            }
            NodeStatus s = n.status();
            boolean syncing = s.replication() == ReplicationState.SyncSource || s.replication() == ReplicationState.SyncTarget;
            if (syncing && (s.syncProgress() == null || s.syncProgress() < 0 || s.syncProgress() > 1)) {
                sim.fail(9, n + " is " + s.replication() + " (" + s.syncKind() + ") with progress " + s.syncProgress());
            }
        }
    }

    /** Rule 10. */
    private void verifyFindsNothing() {
        for (SimNode n : sim.nodes) {
            NodeStatus.Verify v = n.up() ? n.status().verify() : null;
            boolean ended = v != null && v.endedBy() != null;
            if (ended && !verifyEnded[n.index] && "done".equals(v.endedBy())) {
                sim.stats.verifies++;
                if (v.outOfSyncRegions() > 0) {
                    sim.fail(10, n + ": a verify of an in-sync pair found " + v.outOfSyncRegions() + " regions that differ: "
                            + v.ranges());
                }
            }
            verifyEnded[n.index] = ended;
        }
    }

    /** The connection a node's core is attached to now, or null. */
    SimNetwork.Connection attached(SimNode n) {
        return n.connected() ? n.attached : null;
    }

    /** Rules 4 and 5 apply: both attached to the one open connection, nothing moving, in sync. */
    boolean quiet() {
        SimNetwork.Connection c = sim.net.openConnection();
        if (c == null || sim.net.connections().size() != 1 || !c.idle()) {
            return false;
        }
        for (SimNode n : sim.nodes) {
            if (!n.up() || !n.applier.isEmpty() || !n.requests.isEmpty() || n.promotion != null || n.demotion != null
                    || attached(n) != c) {
                return false;
            }
            NodeStatus s = n.status();
            if (s.replication() != ReplicationState.Established || s.disk() != DiskState.UpToDate) {
                return false;
            }
        }
        return true;
    }

    private void compareQuiet() throws IOException {
        long mutations = sim.nodes[0].device.mutations() + sim.nodes[1].device.mutations();
        if (mutations == comparedMutations) {
            return;
        }
        comparedMutations = mutations;
        sim.stats.quietChecks++;
        long at = sim.nodes[0].device.firstDifference(sim.nodes[1].device);
        if (at >= 0) {
            int block = (int) (at / BlockData.BLOCK_BYTES);
            sim.fail(syncFinished ? 5 : 4, "connected, Established, UpToDate and quiet, but the disks differ at byte " + at
                    + " (block " + block + ": " + sim.nodes[0] + " holds " + Floors.describe(sim.nodes[0].device.idAt(block, false))
                    + ", " + sim.nodes[1] + " holds " + Floors.describe(sim.nodes[1].device.idAt(block, false)) + ")");
        }
        for (SimNode n : sim.nodes) {
            checkAllBlocks(n, false, "at a quiet point");
        }
        syncFinished = false;
        sim.divergent[0] = false;
        sim.divergent[1] = false;
    }

    // ------------------------------------------------------------------ disk mutations (rules 2, 3, 6)

    CrashableDevice.Watcher watcher(int node) {
        return (caller, firstBlock, ids) -> mutating(sim.nodes[node], caller, firstBlock, ids);
    }

    private void mutating(SimNode n, CrashableDevice.Caller caller, int firstBlock, long[] ids) {
        Role role = n.core == null ? null : n.core.role();
        switch (caller) {
            case CLIENT -> {
                if (role != Role.Primary) {
                    sim.fail(2, n + " wrote a client request to its disk while " + role);
                }
            }
            case STREAM -> {
                if (role == Role.Primary) {
                    sim.fail(2, n + " applied the peer's stream to its disk while Primary");
                }
                if (sim.divergent[0] && sim.divergent[1]) {
                    sim.fail(6, "the replication stream wrote block " + firstBlock + " of " + n
                            + " although both nodes hold writes the other lacks (split brain)");
                }
            }
            case REDO -> {
                if (n.core != null) {
                    sim.fail(2, n + " redid journal entries outside ReplicaCore.open");
                }
                return; // the redo replays old entries before newer ones: checked when open returns
            }
            case NONE -> sim.fail(2, n + " (" + role + ") wrote block " + firstBlock
                    + " outside a client request, the peer's stream and crash recovery");
        }
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] == BlockData.CORRUPT) {
                sim.fail(3, n + " wrote data that belongs to no write (or to another block) at block " + (firstBlock + i)
                        + " (" + caller + ")");
            }
            String v = sim.floors.violation(n.index, firstBlock + i, ids[i]);
            if (v != null) {
                sim.fail(3, caller + " write on " + n + " breaks a durability promise: " + v);
            }
        }
    }

    /** Every block of a node is well formed and keeps its promises (after a restart or power loss, at quiet points). */
    void checkAllBlocks(SimNode n, boolean durableLayer, String when) throws IOException {
        for (int b = 0; b < n.device.blocks(); b++) {
            long id = n.device.idAt(b, durableLayer);
            if (id == BlockData.CORRUPT) {
                sim.fail(5, "block " + b + " of " + n + " is corrupt " + when);
            }
            String v = sim.floors.violation(n.index, b, id);
            if (v != null) {
                sim.fail(3, n + " " + when + ": " + v);
            }
        }
    }

    // ------------------------------------------------------------------ acknowledgements (rule 3)

    /**
     * An ack from the peer arrived at {@code n}: every request it completed is checked now (later the
     * peer may lose power, which only unflushed data may not survive).
     */
    void afterAck(SimNode n, int peerEpochAtSend) throws IOException {
        SimNode peer = sim.other(n);
        boolean peerIntact = peer.powerEpoch == peerEpochAtSend;
        for (ClientRequest r : n.requests) {
            if (r.peerChecked || r.ticket.acks() == null || !r.ticket.isDone() || r.ticket.acks().isClosed()) {
                continue;
            }
            r.peerChecked = true;
            if (!peerIntact) {
                continue;
            }
            List<ClientRequest> durable = new ArrayList<>();
            if (r.kind == ClientRequest.Kind.FLUSH) {
                for (ClientRequest w : r.covered) {
                    if (w.ticket.acks() == r.ticket.acks()) {
                        holds(peer, w, true, "it synced " + r + " covering it");
                        durable.add(w);
                    }
                }
            } else if (expectedLevel(r) >= AckTracker.WRITTEN) {
                sim.stats.ackedWritesChecked++;
                holds(n, r, false, "its write was acknowledged WRITTEN by the peer");
                holds(peer, r, false, "it acknowledged " + r + " WRITTEN");
                if (expectedLevel(r) == AckTracker.SYNCED) {
                    holds(peer, r, true, "it synced " + r);
                    durable.add(r);
                }
            }
            r.peerDurable = durable;
            r.peerEpoch = peerEpochAtSend;
        }
    }

    /**
     * A FLUSH or FUA write completed with the peer's sync: what the peer made durable for it becomes a
     * promise on the peer too (unless the peer's disk was replaced or lost power since: then the ack
     * said nothing about its disk now, and the data is checked as the peer's own promises are).
     */
    void peerPromises(SimNode n, ClientRequest r) throws IOException {
        SimNode peer = sim.other(n);
        if (peer.powerEpoch != r.peerEpoch) {
            return;
        }
        for (ClientRequest w : r.peerDurable) {
            promise(peer, w, true, "the peer synced " + r + " which completed");
        }
    }

    /** What the protocol asks of a request before it completes (from the profile, not from the core's ticket). */
    int expectedLevel(ClientRequest r) {
        if (r.kind == ClientRequest.Kind.FLUSH || r.fua) {
            return AckTracker.SYNCED;
        }
        return switch (sim.profile.protocol()) {
            case A -> AckTracker.NONE;
            case B -> AckTracker.RECEIVED;
            case C -> AckTracker.WRITTEN;
        };
    }

    /**
     * A request completes: if its ticket says the peer reached the level the protocol asks, the
     * acknowledgement that did so must have arrived (and been checked) already.
     */
    void atCompletion(SimNode n, ClientRequest r, boolean reached) {
        if (reached && r.ticket.acks() != null && expectedLevel(r) >= AckTracker.WRITTEN && !r.peerChecked) {
            sim.fail(3, n + " completed " + r + " as acknowledged by the peer, but no acknowledgement from the peer covered it"
                    + " (ticket level " + r.ticket.level() + ", protocol " + sim.profile.protocol() + ")");
        }
    }

    /** Write {@code w}'s blocks on {@code n} must now hold it and keep it (or newer): a durability promise. */
    void promise(SimNode n, ClientRequest w, boolean replicated, String why) throws IOException {
        sim.stats.promises++;
        for (int b = w.firstBlock; b < w.firstBlock + w.blocks; b++) {
            sim.floors.promise(n.index, b, w.writeId, w.zero(), replicated, w.peerEpochsAtIssue[n.index]);
        }
        holds(n, w, true, why);
    }

    private void holds(SimNode n, ClientRequest w, boolean durableLayer, String why) throws IOException {
        for (int b = w.firstBlock; b < w.firstBlock + w.blocks; b++) {
            long id = n.device.idAt(b, durableLayer);
            boolean ok = id != BlockData.CORRUPT && (id == 0
                    ? w.zero() || sim.floors.newerZeroWrite(b, w.writeId)
                    : w.zero() ? id > w.writeId : id >= w.writeId);
            if (!ok) {
                sim.fail(3, (durableLayer ? "the durable layer" : "the page cache") + " of " + n + " holds "
                        + Floors.describe(id) + " at block " + b + " but " + why + " (" + w + ")");
            }
        }
    }

    // ------------------------------------------------------------------ connections (rule 6)

    /**
     * Called before {@code n} applies LinkUp: the verdict it will reach, checked against the model when
     * it decides from a current view of the peer (a stale one means the peer changed during the
     * handshake and closes the link itself; the watcher still checks that no data flows) and neither
     * disk failed (a Diskless node refuses the stream whatever the verdict).
     */
    ConnectDecision.Verdict atLinkUp(SimNode n, Message.NodeInfo peer) {
        Message.NodeInfo mine = n.core.nodeInfo();
        SimNode other = sim.other(n);
        // as the core decides (the simulation runs without split-brain policies)
        ConnectDecision.Verdict v = ConnectDecision.decide(mine, peer, SplitBrainPolicy.DISCONNECT, n.name, other.name).verdict();
        boolean current = other.up() && sameState(other.core.nodeInfo(), peer);
        boolean split = sim.divergent[0] && sim.divergent[1] && current && mine.disk() != DiskState.Diskless
                && peer.disk() != DiskState.Diskless;
        if (split && v != ConnectDecision.Verdict.SPLIT_BRAIN && v != ConnectDecision.Verdict.UNRELATED
                && v != ConnectDecision.Verdict.REFUSED) {
            sim.fail(6, n + " connects with verdict " + v + " although both nodes accepted writes while disconnected");
        }
        if (v == ConnectDecision.Verdict.SPLIT_BRAIN) {
            sim.stats.splitBrains++;
        }
        return v;
    }

    private static boolean sameState(Message.NodeInfo a, Message.NodeInfo b) {
        return a.role() == b.role() && a.disk() == b.disk() && a.generations().equals(b.generations());
    }

    /**
     * Both peers run this code, so a core never sends what its peer refuses: a protocol error is a
     * bug (only the first on a connection: the applier still holds the messages that followed it).
     */
    void protocolError(SimNode n, SimNetwork.SimPort port, Exception e) {
        if (!port.protocolError && n.core.diskState() != DiskState.Diskless) { // a failed disk refuses everything
            port.protocolError = true;
            sim.fail(8, n + " refused the peer's stream on " + port.conn + ": " + e.getMessage());
        }
    }

    void syncFinished() {
        syncFinished = true;
    }
}
