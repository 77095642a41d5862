package io.replicator.e2e.pair;

import io.replicator.control.NodeStatus;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Polls a node's status on a thread of its own and records each "replication[/syncKind] disk" it
 * passes through (e.g. "SyncTarget/journal Consistent"), so that a short sync is seen even while the test thread waits on something else (a node's
 * start-up). Started before the event, closed after it.
 */
final class StatusWatch implements AutoCloseable {

    private static final long POLL_MILLIS = 20;

    private final DaemonNode node;
    private final Set<String> seen = new LinkedHashSet<>();
    private final Thread thread;
    private volatile boolean running = true;

    private StatusWatch(DaemonNode node) {
        this.node = node;
        this.thread = new Thread(this::run, "status-watch-" + node.name());
        this.thread.setDaemon(true);
    }

    static StatusWatch start(DaemonNode node) {
        StatusWatch watch = new StatusWatch(node);
        watch.thread.start();
        return watch;
    }

    /** The states seen so far, in order of first appearance. */
    synchronized Set<String> seen() {
        return new LinkedHashSet<>(seen);
    }

    private void run() {
        while (running) {
            NodeStatus s = node.status();
            if (s != null) {
                synchronized (this) {
                    seen.add(s.replication() + (s.syncKind() == null ? "" : "/" + s.syncKind()) + " " + s.disk());
                }
            }
            try {
                TimeUnit.MILLISECONDS.sleep(POLL_MILLIS); // the polling period of a sampler, not a synchronisation
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
