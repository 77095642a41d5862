package io.replicator.core;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;

/**
 * The send window of one connection: what was sent (position, seq and bytes of each stream message)
 * and the peer's cumulative acknowledgements (every stream message up to each position was received /
 * written / written and synced). A client request completes when its message reaches the level its
 * protocol asks ({@link #whenDone}: no thread waits), or when the connection is gone (then the write
 * completes degraded: the journal and the bitmap remember what the peer lacks). The window is bounded in
 * messages not yet synced by the peer and in bytes not yet written by it.
 */
public final class AckTracker {
    public static final int NONE = 0;
    public static final int RECEIVED = 1;
    public static final int WRITTEN = 2;
    public static final int SYNCED = 3;

    /** Messages the peer may hold unsynced, by default; the sender asks for a barrier at half of it. */
    public static final int WINDOW = 1 << 16;

    private final long maxBytes;
    private final long firstPos;
    private final int window;
    private final int mask;
    private final long[] seqAt;
    private final long[] bytesAt;
    private long sentPos;
    private long bytesSent;
    private long received;
    private long written;
    private long synced;
    private boolean closed;
    /** Completions waiting for a level (index = level - 1), nearest position first. */
    @SuppressWarnings("unchecked")
    private final PriorityQueue<Waiter>[] waiters = new PriorityQueue[] {
            new PriorityQueue<Waiter>(), new PriorityQueue<Waiter>(), new PriorityQueue<Waiter>()};

    private record Waiter(long pos, Runnable then) implements Comparable<Waiter> {
        @Override
        public int compareTo(Waiter o) {
            return Long.compare(pos, o.pos);
        }
    }

    /** {@code firstPos}: the position of the first message this tracker will see sent. */
    public AckTracker(long maxBytes, long firstPos) {
        this(maxBytes, WINDOW, firstPos);
    }

    /** {@code window}: a power of two, at least 16 (the simulation uses small ones to fill it often). */
    public AckTracker(long maxBytes, int window, long firstPos) {
        if (window < 16 || Integer.bitCount(window) != 1) {
            throw new IllegalArgumentException("window: " + window + " (expected: a power of two >= 16)");
        }
        this.maxBytes = maxBytes;
        this.firstPos = firstPos;
        this.window = window;
        this.mask = window - 1;
        this.seqAt = new long[window];
        this.bytesAt = new long[window];
        this.sentPos = firstPos - 1;
        this.received = firstPos - 1;
        this.written = firstPos - 1;
        this.synced = firstPos - 1;
    }

    /** Records stream message {@code pos} (the next one) carrying data up to {@code seq}. */
    public synchronized void sent(long pos, long seq, long bytes) {
        if (pos != sentPos + 1) {
            throw new IllegalStateException("stream position " + pos + " after " + sentPos);
        }
        sentPos = pos;
        bytesSent += bytes;
        seqAt[(int) (pos & mask)] = seq;
        bytesAt[(int) (pos & mask)] = bytesSent;
    }

    public void advance(long r, long w, long s) {
        List<Runnable> due;
        synchronized (this) {
            received = Math.max(received, Math.min(r, sentPos));
            written = Math.max(written, Math.min(w, sentPos));
            synced = Math.max(synced, Math.min(s, sentPos));
            notifyAll();
            due = takeDue();
        }
        runAll(due);
    }

    /** The connection is gone: every waiter completes (the writes stand locally; the peer catches up later). */
    public void close() {
        List<Runnable> due;
        synchronized (this) {
            closed = true;
            notifyAll();
            due = takeDue();
        }
        runAll(due);
    }

    /**
     * Runs {@code then} once {@code pos} reached {@code level} or the connection closed: at once on this
     * thread if it already has, else on the thread that delivers the acknowledgement (the link's event
     * loop), so no thread waits. {@code then} must be quick and must not block.
     */
    public void whenDone(long pos, int level, Runnable then) {
        synchronized (this) {
            if (!closed && !reached(pos, level)) {
                waiters[level - 1].add(new Waiter(pos, then));
                return;
            }
        }
        then.run();
    }

    private List<Runnable> takeDue() {
        List<Runnable> due = null;
        for (int level = RECEIVED; level <= SYNCED; level++) {
            PriorityQueue<Waiter> q = waiters[level - 1];
            while (!q.isEmpty() && (closed || reached(q.peek().pos(), level))) {
                if (due == null) {
                    due = new ArrayList<>();
                }
                due.add(q.poll().then());
            }
        }
        return due;
    }

    /** Outside the monitor: a completion may take other locks (the NBD reply path, metrics). */
    private static void runAll(List<Runnable> due) {
        if (due != null) {
            for (Runnable r : due) {
                r.run();
            }
        }
    }

    public synchronized boolean isClosed() {
        return closed;
    }

    public synchronized long sentPos() {
        return sentPos;
    }

    public synchronized long synced() {
        return synced;
    }

    /** The newest seq the peer has synced (0 before the first ack), given the seq it started from. */
    public synchronized long syncedSeq(long startSeq) {
        return synced < firstPos ? startSeq : Math.max(startSeq, seqAt[(int) (synced & mask)]);
    }

    /** Messages sent since the peer's last sync. */
    public synchronized long unsynced() {
        return sentPos - synced;
    }

    /** Data bytes sent since the peer's last sync. */
    public synchronized long unsyncedBytes() {
        return synced < firstPos ? bytesSent : bytesSent - bytesAt[(int) (synced & mask)];
    }

    public synchronized long unwrittenBytes() {
        return written < firstPos ? bytesSent : bytesSent - bytesAt[(int) (written & mask)];
    }

    public int window() {
        return window;
    }

    public synchronized boolean hasRoom() {
        return closed || (sentPos - synced < window - 1 && unwrittenBytes() < maxBytes);
    }

    /** True once {@code pos} reached {@code level}, or the connection is closed. */
    public synchronized boolean isDone(long pos, int level) {
        return closed || reached(pos, level);
    }

    /** @return true if the level was reached, false if the connection closed first */
    public synchronized boolean await(long pos, int level) throws InterruptedException {
        while (!closed && !reached(pos, level)) {
            wait();
        }
        return reached(pos, level);
    }

    /** Waits until the window has room for one more message (or the connection is gone). */
    public synchronized void awaitRoom() throws InterruptedException {
        while (!hasRoom()) {
            wait();
        }
    }

    private boolean reached(long pos, int level) {
        return switch (level) {
            case NONE -> true;
            case RECEIVED -> received >= pos;
            case WRITTEN -> written >= pos;
            default -> synced >= pos;
        };
    }
}
