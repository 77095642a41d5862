package io.replicator.sim;

import io.netty.buffer.ByteBuf;
import io.replicator.control.ControlResult;
import io.replicator.core.ConnectDecision;
import io.replicator.core.DiskState;
import io.replicator.core.Metadata;
import io.replicator.core.PromoteWait;
import io.replicator.core.ReplicaCore;
import io.replicator.core.Role;
import io.replicator.core.Ticket;
import io.replicator.wire.Message;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What happens to the nodes, one call each: what production's threads do (an NBD I/O thread, the
 * applier, the link's event loop, the sync pump, the tick, replctl) and the faults. Each drives the
 * core exactly as production does; see {@code ReplicatedDevice}, {@code Applier}, {@code LinkHandler},
 * {@code DaemonControl}.
 */
final class Actions {
    private final Simulation sim;

    Actions(Simulation sim) {
        this.sim = sim;
    }

    // ------------------------------------------------------------------ clients (ReplicatedDevice)

    void clientRequest(SimNode n) throws IOException {
        int k = sim.random.nextInt(100);
        if (k < 20) {
            flush(n);
            return;
        }
        ClientRequest.Kind kind = k < 28 ? ClientRequest.Kind.TRIM : k < 36 ? ClientRequest.Kind.ZEROES : ClientRequest.Kind.WRITE;
        int total = n.device.blocks();
        int first = sim.random.nextInt(total);
        int blocks = 1 + sim.random.nextInt(Math.min(total - first, sim.random.nextInt(8) == 0 ? 64 : 8));
        boolean fua = sim.random.nextInt(10) == 0;
        long id = sim.nextWriteId++;
        long offset = (long) first * BlockData.BLOCK_BYTES;
        long length = (long) blocks * BlockData.BLOCK_BYTES;
        if (kind != ClientRequest.Kind.WRITE) {
            for (int b = first; b < first + blocks; b++) {
                sim.floors.zeroWriteIssued(b, id);
            }
        }
        boolean alone = !n.connected();
        long journalBefore = n.journal.lastSeq();
        List<io.replicator.core.Generation> generationsBefore = n.stored.generations();
        ByteBuf data = null;
        if (kind == ClientRequest.Kind.WRITE) {
            data = sim.alloc.heapBuffer((int) length);
            for (int b = first; b < first + blocks; b++) {
                BlockData.fill(data, id, b);
            }
        }
        CrashableDevice.Caller old = n.device.enter(CrashableDevice.Caller.CLIENT);
        Ticket ticket;
        try {
            ticket = switch (kind) {
                case WRITE -> n.core.write(offset, data, fua);
                case TRIM -> n.core.trim(offset, length, fua);
                default -> n.core.writeZeroes(offset, length, sim.random.nextBoolean(), fua);
            };
        } catch (ReplicaCore.NotPrimaryException e) {
            sim.event(n + ": " + kind + " #" + id + " refused: " + e.getMessage());
            return;
        } catch (IOException e) {
            // a disk or journal error: the journal may hold the write, the metadata a new generation
            sim.divergent[n.index] |= alone && (n.journal.lastSeq() != journalBefore
                    || !n.stored.generations().equals(generationsBefore));
            sim.event(n + ": " + kind + " #" + id + " failed: " + e.getMessage());
            return;
        } finally {
            n.device.enter(old);
            if (data != null) {
                data.release();
            }
        }
        ClientRequest r = new ClientRequest(kind, id, first, blocks, fua, n.core, ticket, null);
        r.peerEpochsAtIssue = new long[][] {sim.floors.epochsOfPeer(0), sim.floors.epochsOfPeer(1)};
        n.requests.add(r);
        n.unflushed.add(r);
        sim.divergent[n.index] |= alone;
        sim.stats.writes++;
        sim.event(n + ": " + r + (alone ? " (alone)" : ""));
    }

    private void flush(SimNode n) {
        Ticket ticket;
        try {
            ticket = n.core.flush();
        } catch (IOException e) {
            sim.event(n + ": flush refused: " + e.getMessage());
            return;
        }
        ClientRequest r = new ClientRequest(ClientRequest.Kind.FLUSH, 0, 0, 0, false, n.core, ticket, List.copyOf(n.unflushed));
        n.requests.add(r);
        sim.stats.flushes++;
        sim.event(n + ": " + r + " covering " + r.covered.size() + " writes");
    }

    /** A request's I/O thread moves on: it runs syncLocal, or it sees its ticket done and replies. */
    void clientProgress(SimNode n) throws IOException, InterruptedException {
        List<ClientRequest> ready = new ArrayList<>();
        for (ClientRequest r : n.requests) {
            if (r.needsLocalSync() || r.ticket.isDone()) {
                ready.add(r);
            }
        }
        ClientRequest r = ready.get(sim.random.nextInt(ready.size()));
        if (r.needsLocalSync()) {
            try {
                n.core.syncLocal(r.ticket.seq());
                r.localSynced = true;
            } catch (IOException e) {
                n.requests.remove(r);
                sim.event(n + ": " + r + " failed: " + e.getMessage());
            }
            return;
        }
        n.requests.remove(r);
        boolean reached = r.ticket.await(); // does not block: the ticket is done
        sim.event(n + ": " + r + " completed" + (reached ? "" : " (peer gone: local only)"));
        sim.invariants.atCompletion(n, r, reached);
        if (reached) {
            sim.invariants.peerPromises(n, r);
        }
        if (r.kind == ClientRequest.Kind.FLUSH) {
            for (ClientRequest w : r.covered) {
                boolean replicated = reached && w.ticket.acks() != null && w.ticket.acks() == r.ticket.acks();
                sim.invariants.promise(n, w, replicated, "a flush completed on it");
            }
            n.unflushed.removeAll(r.covered);
        } else if (r.fua) {
            sim.invariants.promise(n, r, reached, "a FUA write completed on it");
        }
    }

    boolean canProgress(SimNode n) {
        for (ClientRequest r : n.requests) {
            if (r.needsLocalSync() || r.ticket.isDone()) {
                return true;
            }
        }
        return false;
    }

    // ------------------------------------------------------------------ the operator (DaemonControl)

    void beginPromote(SimNode n, boolean force) {
        PromoteWait wait = n.core.beginPromote(force);
        if (wait.result() != null) {
            sim.event(n + ": promote" + (force ? " --force" : "") + ": " + wait.result().message());
            return;
        }
        n.promotion = new SimNode.Promotion(wait, force);
        sim.event(n + ": promote" + (force ? " --force" : "") + " asked");
    }

    /** The control thread wakes: answered, or its wait timed out (a refusal). */
    void finishPromote(SimNode n) throws IOException, InterruptedException {
        SimNode.Promotion p = n.promotion;
        n.promotion = null;
        if (!p.pending().isAnswered()) {
            p.pending().await(0);
        }
        DiskState before = n.core.diskState();
        boolean wasPrimary = n.core.role() == Role.Primary;
        boolean connected = n.connected();
        ControlResult result = n.core.finishPromote(p.pending());
        sim.event(n + ": promote" + (p.force() ? " --force" : "") + ": " + result.message());
        if (!wasPrimary && n.core.role() == Role.Primary) {
            sim.stats.promotions++;
            if (before != DiskState.UpToDate && p.force()) {
                sim.floors.forced(n.index); // the operator accepted whatever the peer has that this disk lacks
            }
            if (!connected) {
                sim.floors.failover(n.index);
            }
        }
    }

    void beginDemote(SimNode n) {
        n.core.admit(false);
        try {
            n.demotion = new SimNode.Demotion(n.core.flush());
            sim.event(n + ": demote: flushing first");
        } catch (IOException e) {
            sim.event(n + ": demote: flush failed: " + e.getMessage());
            finishDemote(n);
        }
    }

    void demoteProgress(SimNode n) {
        SimNode.Demotion d = n.demotion;
        if (!d.synced) {
            d.synced = true;
            try {
                n.core.syncLocal(d.flush.seq());
            } catch (IOException e) {
                sim.event(n + ": demote: flush failed: " + e.getMessage());
                finishDemote(n);
            }
        } else if (d.flush.isDone()) {
            finishDemote(n);
        }
    }

    boolean canDemoteProgress(SimNode n) {
        return !n.demotion.synced || n.demotion.flush.isDone();
    }

    private void finishDemote(SimNode n) {
        n.demotion = null;
        ControlResult result = n.core.demote();
        n.core.admit(true);
        sim.event(n + ": demote: " + result.message());
    }

    void connectCommand(SimNode n) {
        sim.event(n + ": connect: " + n.core.connect(false).message());
    }

    /** {@code replctl verify [--repair]} (refused unless Primary and in sync). */
    void verifyCommand(SimNode n, boolean repair) {
        sim.event(n + ": verify" + (repair ? " --repair" : "") + ": " + n.core.beginVerify(repair).message());
    }

    /** {@code replctl invalidate}: drop this node's data, a full sync from the peer follows. */
    void invalidateCommand(SimNode n) {
        ControlResult r = n.core.invalidate();
        sim.event(n + ": invalidate: " + r.message());
        if (r.done()) {
            sim.stats.invalidates++;
        }
    }

    void disconnectCommand(SimNode n) {
        sim.event(n + ": disconnect: " + n.core.disconnect().message());
    }

    // ------------------------------------------------------------------ the daemon's threads

    void pump(SimNode n) throws IOException {
        long maxBytes = (long) BlockData.BLOCK_BYTES << sim.random.nextInt(7);
        long sent = n.core.pump(maxBytes);
        if (sent > 0) {
            sim.event(n + ": pump sent " + sent + " bytes");
        }
    }

    void tick(SimNode n) throws IOException {
        n.core.tick();
    }

    // ------------------------------------------------------------------ the link (LinkHandler, Applier)

    void openConnection() {
        SimNetwork.Connection c = sim.net.open();
        sim.event("network: " + c + " opens (handshake)");
    }

    /** A side sends its NodeInfo in the handshake: a snapshot of this moment. */
    void hello(SimNetwork.Connection c, int side) {
        SimNode n = sim.nodes[side];
        Message.NodeInfo info = n.core.nodeInfo();
        sim.net.sendHello(c, side, info);
        sim.event(n + ": hello on " + c + ": " + info.role() + " " + info.disk() + " seq " + info.lastSeq());
    }

    /** The event loop reads a batch from the socket, then acknowledges what it read (protocol B). */
    void deliver(SimNetwork.Connection c, int to) throws IOException {
        SimNode n = sim.nodes[to];
        SimNetwork.SimPort port = c.ends[to];
        int batch = 1 + sim.random.nextInt(4);
        for (int i = 0; i < batch && deliverable(c, to); i++) {
            SimNetwork.Wire w = sim.net.take(c, to);
            if (w instanceof SimNetwork.Hello h && !c.helloSent[to]) {
                sim.event(n + ": " + c + " closed before its handshake: the peer's NodeInfo is dropped");
            } else if (w instanceof SimNetwork.Hello h) {
                n.applier.addLast(new SimNode.Item(port, new SimNode.LinkUp(h.info(), c.sentInfo[to])));
            } else if (w instanceof SimNetwork.Fin f) {
                n.applier.addLast(new SimNode.Item(port, new SimNode.LinkDown(f.reason())));
            } else if (w instanceof SimNetwork.Msg m) {
                if (m.message() instanceof Message.Ack ack) {
                    sim.event(n + ": ack on " + c + ": received " + ack.received() + ", written " + ack.written()
                            + ", synced " + ack.synced());
                    n.core.onAck(port, ack);
                    sim.invariants.afterAck(n, m.senderEpoch());

                } else {
                    if (m.message() instanceof Message.Stream s) {
                        port.received = s.pos();
                    }
                    n.applier.addLast(new SimNode.Item(port, m.message()));
                }
            }
        }
        if (c.open && port.received > port.ackedReceived) {
            port.ackedReceived = port.received;
            port.send(n.core.ackFor(port, port.ackedReceived));
        }
    }

    /**
     * The head of the queue may be read: a side reads the peer's NodeInfo only after sending its own
     * (on a connection closed before that, it reads the NodeInfo and the end, and drops both).
     */
    boolean deliverable(SimNetwork.Connection c, int to) {
        SimNetwork.Wire head = c.toward[to].peekFirst();
        return head != null && (!(head instanceof SimNetwork.Hello) || c.helloSent[to] || !c.open);
    }

    /** The applier takes one item; it acknowledges when its queue runs dry or the connection changes. */
    void applyOne(SimNode n) throws IOException {
        SimNode.Item item = n.applier.pollFirst();
        if (n.toAck != null && n.toAck != item.port()) {
            sendAck(n);
        }
        if (apply(n, item)) {
            n.toAck = item.port();
        }
        SimNode.Item next = n.applier.peekFirst();
        if (n.toAck != null && n.up() && (next == null || next.port() != n.toAck)) {
            sendAck(n);
        }
    }

    private void sendAck(SimNode n) {
        n.toAck.send(n.core.ackFor(n.toAck, n.toAck.received));
        n.toAck = null;
    }

    private boolean apply(SimNode n, SimNode.Item item) throws IOException {
        SimNetwork.SimPort port = item.port();
        Object what = item.what();
        if (what instanceof Message.Stream m) {
            return applyStream(n, port, m);
        } else if (what instanceof SimNode.LinkUp up) {
            ConnectDecision.Verdict v = sim.invariants.atLinkUp(n, up.peer());
            n.core.linkUp(port, up.peer(), up.sent());
            n.attached = port.conn;
            if (v == ConnectDecision.Verdict.IN_SYNC) {
                sim.divergent[0] = false;
                sim.divergent[1] = false;
            }
            sim.event(n + ": link up on " + port.conn + ": " + v + " -> " + n.status().connection());
        } else if (what instanceof SimNode.LinkDown down) {
            n.core.linkDown(port, down.reason());
            sim.event(n + ": link down on " + port.conn + " (" + down.reason() + ")");
        } else if (what instanceof Message.NodeInfo info) {
            n.core.onNodeInfo(port, info);
        } else if (what instanceof Message.PromoteRequest request) {
            Message.PromoteReply reply = n.core.onPromoteRequest(port, request);
            sim.event(n + ": the peer asks to become Primary: " + (reply.granted() ? "agreed" : "refused: " + reply.reason()));
            port.send(reply);
        } else if (what instanceof Message.PromoteReply reply) {
            n.core.onPromoteReply(port, reply);
        } else if (what instanceof Message.DigestReply reply) {
            if (!reply.equal()) {
                sim.event(n + ": the peer's copy differs at offset " + reply.offset() + (reply.verify() ? " (verify)" : ""));
            }
            try {
                n.core.onDigestReply(port, reply);
            } catch (ReplicaCore.ProtocolException e) {
                sim.event(n + ": protocol error on " + port.conn + ": " + e.getMessage() + "; closing");
                port.close("protocol error: " + e.getMessage());
            }

        } else if (what instanceof Message.Refused refused) {
            sim.event(n + ": the peer refused the connection: " + refused.reason());
        }
        return false;
    }

    private boolean applyStream(SimNode n, SimNetwork.SimPort port, Message.Stream m) throws IOException {
        boolean wasTarget = n.status().replication() == io.replicator.core.ReplicationState.SyncTarget;
        CrashableDevice.Caller old = n.device.enter(CrashableDevice.Caller.STREAM);
        try {
            n.core.onStream(port, m);
        } catch (ReplicaCore.ProtocolException e) {
            sim.event(n + ": protocol error on " + port.conn + ": " + e.getMessage() + "; closing");
            sim.invariants.protocolError(n, port, e);
            port.close("protocol error: " + e.getMessage());
            return false;
        } catch (IOException e) {
            sim.event(n + ": applying failed: " + e.getMessage() + "; closing");
            port.close("local failure: " + e.getMessage());
            return false;
        } finally {
            n.device.enter(old);
        }
        if (m instanceof Message.SyncStart) {
            // this node's data now follows the peer's: its own unflushed writes may be replaced
            n.unflushed.clear();
            for (ClientRequest r : n.requests) {
                if (r.kind == ClientRequest.Kind.FLUSH) {
                    r.covered = List.of();
                }
            }
        }
        if (m instanceof Message.InSync && n.core.diskState() == DiskState.UpToDate) {
            if (wasTarget) {
                sim.stats.syncsCompleted++;
                sim.invariants.syncFinished();
            }
            sim.divergent[0] = false;
            sim.divergent[1] = false;
        }
        return true;
    }

    // ------------------------------------------------------------------ faults and restarts

    void kill(SimNode n) {
        sim.event(n + ": kill -9");
        sim.net.processDied(n.index);
        n.kill();
        sim.stats.kills++;
    }

    void powerLoss(SimNode n) throws IOException {
        sim.net.processDied(n.index);
        n.kill();
        String lost = n.powerLoss(sim.random, sim.journalFirst);
        sim.event(n + ": power loss (" + lost + ")");
        sim.stats.powerLosses++;
        sim.invariants.checkAllBlocks(n, true, "after a power loss");
    }

    void restart(SimNode n) throws IOException {
        n.device.failNext(0);
        n.journal.failNext(0);
        try {
            sim.startCore(n);
        } catch (IOException e) {
            sim.fail(3, n + " cannot restart: " + e.getMessage());
        }
        sim.event(n + ": restarted: " + n.core.diskState() + ", journal " + n.journal.firstSeq() + ".." + n.journal.lastSeq()
                + ", checkpoint " + n.stored.checkpointSeq());
        sim.invariants.checkAllBlocks(n, false, "after crash recovery");
    }

    void ioError(SimNode n) {
        if (sim.random.nextBoolean()) {
            n.device.failNext(1);
            sim.event(n + ": the disk will fail its next operation");
        } else {
            n.journal.failNext(1);
            sim.event(n + ": the journal will fail its next operation");
        }
    }

    /** The operator replaces a node's disk (a split brain's victim): everything on it is gone. */
    void wipe(SimNode n) {
        if (n.up()) {
            kill(n);
        }
        boolean created = sim.random.nextBoolean();
        n.newDisk(Simulation.VOLUME_BYTES, sim.profile, sim.invariants.watcher(n.index),
                Metadata.created(Simulation.RESOURCE, Simulation.VOLUME_BYTES, created));
        sim.floors.wiped(n.index);
        sim.divergent[n.index] = false;
        sim.event(n + ": disk replaced (" + (created ? "created: zeroes" : "no metadata: Inconsistent") + ")");
    }
}
