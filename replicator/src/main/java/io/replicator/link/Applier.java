package io.replicator.link;

import io.netty.util.ReferenceCountUtil;
import io.replicator.core.ReplicaCore;
import io.replicator.nbd.server.Log;
import io.replicator.wire.Message;
import java.io.IOException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Applies what the peer sends, in the order it arrived, on one thread off the event loop (disk I/O
 * never runs on the event loop). Link up and down, metadata and promotion messages go through the same
 * queue, so that they are seen after every write sent before them. The queue is bounded in bytes: above
 * the high mark the connection stops reading from its socket until the applier catches up. Bytes, not
 * items: one read from the socket may hold thousands of small frames (barriers, digests), and every one
 * of them must be taken; what arrives after the pause is at most one read's worth.
 */
final class Applier {
    private static final long HIGH_BYTES = 64L << 20;
    private static final long LOW_BYTES = HIGH_BYTES / 2;
    /** What a queued item costs besides its payload (objects, frame header), for the bound. */
    private static final int ITEM_BYTES = 128;

    /** A connection came up with the peer's metadata (and what this node sent it), or went down. */
    record LinkUp(Message.NodeInfo peer, Message.NodeInfo sent) {
    }

    record LinkDown(String reason) {
    }

    private record Item(ChannelPort port, Object what, long bytes) {
    }

    /** Wakes the loop to see that it must stop. */
    private static final Object STOP = new Object();

    private final ReplicaCore core;
    private final Log log;
    private final BlockingQueue<Item> queue = new LinkedBlockingQueue<>();
    private final AtomicLong queuedBytes = new AtomicLong();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile ChannelPort paused;

    Applier(ReplicaCore core, Log log, String name) {
        this.core = core;
        this.log = log;
        this.thread = new Thread(this::run, name);
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Called on the event loop; never blocks it: stops reading instead. */
    void submit(ChannelPort port, Object what) {
        long bytes = ITEM_BYTES + (what instanceof Message.Carrying c ? c.data().readableBytes() : 0);
        queue.add(new Item(port, what, bytes));
        if (queuedBytes.addAndGet(bytes) >= HIGH_BYTES && port.channel().config().isAutoRead()) {
            port.channel().config().setAutoRead(false);
            paused = port;
        }
    }

    /**
     * Stops the loop after the item it is applying. Woken by an item, not interrupted: an interrupt
     * during file I/O closes the FileChannel (ClosedByInterruptException) and fails the disk.
     */
    void stop() throws InterruptedException {
        running = false;
        queue.add(new Item(null, STOP, 0));
        thread.join(10_000);
        if (thread.isAlive()) {
            thread.interrupt();
            thread.join(10_000);
        }
        for (Item item = queue.poll(); item != null; item = queue.poll()) {
            ReferenceCountUtil.release(item.what());
        }
    }

    private void run() {
        ChannelPort toAck = null;
        while (running) {
            Item item;
            try {
                item = toAck == null ? queue.poll(1, TimeUnit.SECONDS) : queue.poll();
            } catch (InterruptedException e) {
                break;
            }
            if (item != null && item.what() == STOP) {
                break;
            }
            if (item != null) {
                queuedBytes.addAndGet(-item.bytes());
            }
            if (item == null) {
                if (toAck != null) {
                    ack(toAck);
                    toAck = null;
                }
                continue;
            }
            if (toAck != null && toAck != item.port()) {
                ack(toAck);
                toAck = null;
            }
            if (apply(item)) {
                toAck = item.port();
            }
            ChannelPort p = paused;
            if (p != null && queuedBytes.get() <= LOW_BYTES) {
                paused = null;
                p.channel().config().setAutoRead(true);
            }
        }
    }

    /** @return true if the peer expects an acknowledgement for it */
    private boolean apply(Item item) {
        ChannelPort port = item.port();
        Object what = item.what();
        try {
            if (what instanceof Message.Stream m) {
                core.onStream(port, m);
                return true;
            } else if (what instanceof LinkUp up) {
                core.linkUp(port, up.peer(), up.sent());
            } else if (what instanceof LinkDown down) {
                core.linkDown(port, down.reason());
            } else if (what instanceof Message.NodeInfo info) {
                core.onNodeInfo(port, info);
            } else if (what instanceof Message.PromoteRequest request) {
                Message.PromoteReply reply = core.onPromoteRequest(port, request);
                log.info(settingsName(port) + " asks to become Primary: " + (reply.granted() ? "agreed" : "refused: " + reply.reason()));
                port.send(reply);
            } else if (what instanceof Message.PromoteReply reply) {
                core.onPromoteReply(port, reply);
            } else if (what instanceof Message.DigestReply reply) {
                core.onDigestReply(port, reply);

            } else if (what instanceof Message.Refused refused) {
                log.warn("the peer refused the connection: " + refused.reason());
            }
        } catch (ReplicaCore.ProtocolException e) {
            log.warn("protocol error from the peer at " + port + ": " + e.getMessage() + "; nothing was written");
            port.close("protocol error: " + e.getMessage());
        } catch (IOException | RuntimeException e) {
            log.error("applying a message from the peer at " + port + " failed", e);
            port.close("local failure: " + e.getMessage());
        }
        return false;
    }

    private static String settingsName(ChannelPort port) {
        return "the peer at " + port;
    }

    private void ack(ChannelPort port) {
        port.send(core.ackFor(port, port.received));
    }
}
