package io.replicator.sim;

import io.netty.util.ReferenceCountUtil;
import io.replicator.core.PeerPort;
import io.replicator.wire.Message;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The link between the two nodes as TCP behaves: per connection and direction a FIFO, no loss or
 * reordering while the connection lives. Delay is the scheduler's choice of when to deliver. A
 * connection ends three ways: a node closes it (data it had already written may still arrive, a prefix
 * of it; data toward it is reset), the network breaks (a prefix of each direction arrives, then both
 * sides time out), or a node's process dies (as a close by that node). Whatever is not delivered is
 * released here; each side hears of the end as a LinkDown after the data that did arrive.
 */
final class SimNetwork {

    /** What the network tells the simulator. */
    interface Endpoints {
        /** {@code port}'s node will apply a LinkDown after the items it already holds. */
        void linkDownLater(SimPort port, String reason);

        /** The sender's power-loss count, recorded with each message (an ack is void after its sender lost power). */
        int powerEpoch(int node);
    }

    /** One thing in flight toward a node. */
    sealed interface Wire {
    }

    /** A message of the link, with the sender's power epoch at send time. */
    record Msg(Message message, int senderEpoch) implements Wire {
    }

    /** The handshake's NodeInfo, sent by each side before it can receive the other's. */
    record Hello(Message.NodeInfo info) implements Wire {
    }

    /** The end of the stream: the receiver gets a LinkDown. */
    record Fin(String reason) implements Wire {
    }

    /** One TCP connection; {@code ends[i]} is node i's end, {@code toward[i]} what is in flight to node i. */
    static final class Connection {
        final int id;
        final SimPort[] ends = new SimPort[2];
        @SuppressWarnings("unchecked")
        final ArrayDeque<Wire>[] toward = new ArrayDeque[] {new ArrayDeque<Wire>(), new ArrayDeque<Wire>()};
        final boolean[] helloSent = new boolean[2];
        /** What each side sent in its hello (it hands it to its core with the LinkUp). */
        final Message.NodeInfo[] sentInfo = new Message.NodeInfo[2];
        boolean open = true;

        Connection(int id) {
            this.id = id;
        }

        boolean idle() {
            return toward[0].isEmpty() && toward[1].isEmpty();
        }

        @Override
        public String toString() {
            return "conn" + id;
        }
    }

    /** A node's end of a connection: what its core sends and closes. */
    static final class SimPort implements PeerPort {
        final Connection conn;
        final int side;
        private final SimNetwork net;
        /** The newest stream position read from this connection (the "received" acknowledgement). */
        long received;
        long ackedReceived;
        boolean protocolError;

        SimPort(Connection conn, int side, SimNetwork net) {
            this.conn = conn;
            this.side = side;
            this.net = net;
        }

        @Override
        public void send(Message message) {
            net.send(this, message);
        }

        @Override
        public void close(String reason) {
            net.close(conn, side, reason);
        }

        @Override
        public String toString() {
            return conn + "/" + side;
        }
    }

    private final SplittableRandom random;
    private final Endpoints endpoints;
    private final List<Connection> live = new ArrayList<>();
    private int nextId = 1;
    private boolean partitioned;

    SimNetwork(SplittableRandom random, Endpoints endpoints) {
        this.random = random;
        this.endpoints = endpoints;
    }

    /** Connections with something in flight, or still open. */
    List<Connection> connections() {
        return live;
    }

    Connection open() {
        if (partitioned || openConnection() != null) {
            throw new IllegalStateException("a connection is open or the network is partitioned");
        }
        Connection c = new Connection(nextId++);
        c.ends[0] = new SimPort(c, 0, this);
        c.ends[1] = new SimPort(c, 1, this);
        live.add(c);
        return c;
    }

    /** The open connection, or null. */
    Connection openConnection() {
        for (Connection c : live) {
            if (c.open) {
                return c;
            }
        }
        return null;
    }

    boolean partitioned() {
        return partitioned;
    }

    /** A partition breaks the open connection and stops new ones until {@link #heal}. */
    void partition() {
        partitioned = true;
        Connection c = openConnection();
        if (c != null) {
            breakConnection(c, "partition");
        }
    }

    void heal() {
        partitioned = false;
    }

    void sendHello(Connection c, int fromSide, Message.NodeInfo info) {
        c.helloSent[fromSide] = true;
        c.sentInfo[fromSide] = info;
        if (c.open) {
            c.toward[1 - fromSide].addLast(new Hello(info));
        }
    }

    void send(SimPort from, Message m) {
        Connection c = from.conn;
        if (!c.open) {
            ReferenceCountUtil.release(m);
            return;
        }
        c.toward[1 - from.side].addLast(new Msg(m, endpoints.powerEpoch(from.side)));
    }

    /** The next thing in flight to {@code node}, removed; null if none. */
    Wire take(Connection c, int node) {
        Wire w = c.toward[node].pollFirst();
        if (!c.open && c.idle()) {
            live.remove(c);
        }
        return w;
    }

    /** Node {@code closerSide} closes: its written data may still arrive; data toward it is reset. */
    void close(Connection c, int closerSide, String reason) {
        if (!c.open) {
            return;
        }
        c.open = false;
        truncate(c, 1 - closerSide, reason);
        dropAll(c.toward[closerSide]);
        endpoints.linkDownLater(c.ends[closerSide], reason);
        forgetIfIdle(c);
    }

    /** The network breaks: a prefix of each direction arrives, then both sides time out. */
    void breakConnection(Connection c, String reason) {
        if (!c.open) {
            return;
        }
        c.open = false;
        truncate(c, 0, reason);
        truncate(c, 1, reason);
    }

    /** The process of {@code side} died: its kernel closes the socket; it hears nothing more. */
    void processDied(int side) {
        for (Connection c : new ArrayList<>(live)) {
            if (c.open) {
                c.open = false;
                truncate(c, 1 - side, "the peer's process died");
            }
            dropAll(c.toward[side]);
            forgetIfIdle(c);
        }
    }

    /** Releases everything still in flight (the end of a run). */
    void drain() {
        for (Connection c : live) {
            c.open = false;
            dropAll(c.toward[0]);
            dropAll(c.toward[1]);
        }
        live.clear();
    }

    private void truncate(Connection c, int toward, String reason) {
        ArrayDeque<Wire> q = c.toward[toward];
        int keep = random.nextInt(q.size() + 1);
        if (keep == 0 && q.peekFirst() instanceof Hello) {
            keep = 1; // written long before: it is in the kernel's buffer
        }
        ArrayDeque<Wire> dropped = new ArrayDeque<>();
        while (q.size() > keep) {
            dropped.addFirst(q.pollLast());
        }
        dropAll(dropped);
        q.addLast(new Fin(reason));
    }

    private void forgetIfIdle(Connection c) {
        if (!c.open && c.idle()) {
            live.remove(c);
        }
    }

    private static void dropAll(ArrayDeque<Wire> q) {
        for (Wire w = q.pollFirst(); w != null; w = q.pollFirst()) {
            if (w instanceof Msg m) {
                ReferenceCountUtil.release(m.message());
            }
        }
    }
}
