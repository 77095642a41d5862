package io.replicator.daemon;

import io.replicator.core.ReplicaCore;
import io.replicator.nbd.server.Log;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Feeds catch-up, resync and verify traffic to the link in chunks, at the rate {@link ResyncThrottle} allows
 * (the minimum while the application writes, the maximum otherwise; 0 = as fast as the link's window
 * allows; a journal catch-up always at the maximum), so that application writes, which take the same
 * lock, are never held up for long.
 */
final class SyncPump {
    private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    private static final long BLOCKED_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final ReplicaCore core;
    private final ResyncThrottle throttle;
    private final long chunk;
    private final Log log;
    private final Thread thread;
    private volatile boolean running = true;

    SyncPump(ReplicaCore core, long minRateBytesPerSecond, long maxRateBytesPerSecond, long chunkBytes, Log log) {
        this.core = core;
        this.throttle = new ResyncThrottle(minRateBytesPerSecond, maxRateBytesPerSecond);
        long slowest = minRateBytesPerSecond > 0 ? minRateBytesPerSecond : maxRateBytesPerSecond;
        this.chunk = slowest > 0 ? Math.max(64 * 1024, Math.min(chunkBytes, slowest / 10)) : chunkBytes;
        this.log = log;
        this.thread = Daemon.daemonThread(this::run, "sync-pump");
    }

    void start() {
        thread.start();
    }

    void stop() {
        running = false;
        LockSupport.unpark(thread);
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        long windowStart = System.nanoTime();
        long windowBytes = 0;
        long windowRate = 0;
        while (running) {
            long rate = throttle.rate(System.nanoTime(), core.applicationWrites(), core.catchingUp());
            if (rate != windowRate) {
                windowRate = rate; // a new pace starts a new window
                windowStart = System.nanoTime();
                windowBytes = 0;
            }
            long sent;
            try {
                sent = core.pump(chunk);
            } catch (IOException | RuntimeException e) {
                log.error("sync pump", e);
                sent = ReplicaCore.IDLE;
            }
            if (sent == ReplicaCore.IDLE) {
                LockSupport.parkNanos(IDLE_PARK_NANOS);
            } else if (sent == ReplicaCore.BLOCKED) {
                LockSupport.parkNanos(BLOCKED_PARK_NANOS);
            } else if (rate > 0) {
                windowBytes += sent;
                long elapsed = System.nanoTime() - windowStart;
                long due = windowBytes * 1_000_000_000L / rate;
                if (due > elapsed) {
                    LockSupport.parkNanos(due - elapsed);
                }
                if (elapsed > 1_000_000_000L) {
                    windowStart = System.nanoTime();
                    windowBytes = 0;
                }
            }
        }
    }
}
