package io.replicator.core;

import io.replicator.control.ControlResult;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A promotion waiting for the connected peer's agreement (at most one Primary). {@link #result()} is
 * set instead when the answer was known at once (refused, or already Primary).
 */
public final class PromoteWait {
    private final long id;
    private final PeerPort port;
    private final boolean force;
    private final ControlResult result;
    private final CountDownLatch answered = new CountDownLatch(1);
    private volatile boolean granted;
    private volatile String reason;

    PromoteWait(long id, PeerPort port, boolean force) {
        this.id = id;
        this.port = port;
        this.force = force;
        this.result = null;
    }

    private PromoteWait(ControlResult result) {
        this.id = 0;
        this.port = null;
        this.force = false;
        this.result = result;
        answered.countDown();
    }

    static PromoteWait done(ControlResult result) {
        return new PromoteWait(result);
    }

    /** The final answer when no agreement is needed, else null. */
    public ControlResult result() {
        return result;
    }

    long id() {
        return id;
    }

    PeerPort port() {
        return port;
    }

    boolean force() {
        return force;
    }

    boolean granted() {
        return granted;
    }

    String reason() {
        return reason;
    }

    synchronized void complete(boolean granted, String reason) {
        if (answered.getCount() > 0) {
            this.granted = granted;
            this.reason = reason;
            answered.countDown();
        }
    }

    /** Waits for the peer's answer; no answer in time counts as a refusal. */
    public void await(long timeoutMillis) throws InterruptedException {
        if (!answered.await(timeoutMillis, TimeUnit.MILLISECONDS)) {
            complete(false, "no answer from the peer within " + timeoutMillis + " ms");
        }
    }

    /** The simulation's non-blocking check. */
    public boolean isAnswered() {
        return answered.getCount() == 0;
    }
}
