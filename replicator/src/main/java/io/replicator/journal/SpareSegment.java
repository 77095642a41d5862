package io.replicator.journal;

import io.replicator.nbd.server.Log;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The next segment, made ahead on a background thread: making one (a queue, its first cycle file) takes
 * milliseconds, and touching its pages more, which would otherwise stall the append that rolls and the ones
 * after. The appender asks for it at the roll before (a busy journal) or once the current file is half full,
 * and takes it at the roll, waiting only if it is not ready yet. Not thread-safe: {@link #request} and
 * {@link #take} run under the journal's lock.
 */
final class SpareSegment implements AutoCloseable {

    private static final Log LOG = new Log("journal");
    /** A segment not made within this is a disk that hangs: the roll fails, and with it the journal. */
    private static final long MAKE_TIMEOUT_SECONDS = 60;

    /** Makes segment {@code number}, its pages touched that far ahead (see {@link Segment#create}). */
    interface Maker {
        Segment make(int number, long touchAheadBytes) throws IOException;
    }

    private final Maker maker;
    private final ExecutorService executor;
    private Future<Segment> pending;
    private int pendingNumber;

    SpareSegment(Maker maker, String threadName) {
        this.maker = maker;
        this.executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
    }

    /** Whether segment {@code number} is already asked for; cheap, for the append path. */
    boolean requested() {
        return pending != null;
    }

    /** Starts making segment {@code number} unless one is already asked for. */
    void request(int number, long touchAheadBytes) {
        if (pending == null) {
            pendingNumber = number;
            pending = executor.submit(() -> maker.make(number, touchAheadBytes));
        }
    }

    /** Segment {@code number}: the spare if it was asked for, else made now. */
    Segment take(int number, long touchAheadBytes) throws IOException {
        Future<Segment> f = pending;
        if (f == null) {
            return maker.make(number, touchAheadBytes);
        }
        if (pendingNumber != number) {
            throw new IllegalStateException("spare segment " + pendingNumber + " was made, but the roll needs " + number);
        }
        try {
            Segment made = f.get(MAKE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            pending = null;
            return made;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the spare stays pending for the next try
            throw new InterruptedIOException("interrupted while waiting for segment " + number);
        } catch (TimeoutException e) {
            throw new IOException("making segment " + number + " took over " + MAKE_TIMEOUT_SECONDS + " s", e);
        } catch (ExecutionException e) {
            pending = null; // it cleaned up after itself; try once more here, and fail with its own error
            LOG.warn("making segment " + number + " ahead failed (" + e.getCause() + "); making it now");
            return maker.make(number, touchAheadBytes);
        }
    }

    /**
     * Stops the thread; a spare that was made stays on disk, closed, as an empty complete segment (the next
     * open takes it as the segment to append to).
     */
    @Override
    public void close() {
        executor.shutdown();
        boolean interrupted = false;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(MAKE_TIMEOUT_SECONDS);
        try {
            while (!executor.isTerminated()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    LOG.warn("journal spare segment thread did not stop within " + MAKE_TIMEOUT_SECONDS + " s");
                    return;
                }
                try {
                    executor.awaitTermination(left, TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    interrupted = true; // the segment being made must still be closed
                }
            }
            Future<Segment> f = pending;
            pending = null;
            if (f != null && !f.isCancelled()) {
                try {
                    f.get().close();
                } catch (ExecutionException e) {
                    // it failed and cleaned up after itself
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
