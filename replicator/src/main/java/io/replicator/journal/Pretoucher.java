package io.replicator.journal;

import io.replicator.nbd.device.LibC;
import io.replicator.nbd.device.Syscalls;
import io.replicator.nbd.server.Log;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import net.openhft.chronicle.bytes.MappedBytes;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueStore;

/**
 * Faults in the pages ahead of the appender from a daemon thread, so that the append itself rarely takes a
 * page fault or maps a new chunk (the multi-millisecond stalls). Chronicle's own {@code pretouch()} is an
 * enterprise feature (in the Apache build it recurses until the stack overflows), so this does what it
 * does: it holds its own reference to the current cycle's store, which shares the appender's mapping, and
 * writes 0 over 0 with a compare-and-swap on one long per page (never changing a byte the appender wrote).
 * Best effort: an error is logged once per cycle and the appender meets it for real. Where the kernel
 * has it (Linux 5.14+), {@code madvise(MADV_POPULATE_WRITE)} first faults a whole step of pages in with one
 * call: the allocation and zeroing without a page-fault exception per page, which on a virtual machine costs
 * more than the page itself. The touch still follows it: on this shadow-paged VM a page the kernel populated
 * cost the first store through the mapping ~6 µs (p90) until some thread stored to it; after the touch, a
 * 4 KiB copy into it takes p99 0.3 µs ({@code bench/first-store.c} measures the ways to prepare a page).
 *
 * <p>A touched page is a page on disk: touching past where a cycle file ends wastes space that retention
 * does not see (Chronicle does not shrink a file it rolls away from). So the distance ahead follows the
 * append rate, touching stops shortly before the cycle's end time, and never goes past the segment size
 * (where the appender moves to the next segment) by more than the entry that fills it needs ({@link #limitFor}).
 *
 * <p>One per segment that takes (or is about to take) appends: its thread only ever touches that segment's
 * queue, which therefore stays open until {@link #close()} has returned. A segment made ahead starts touching
 * as far as the append rate seen so far needs ({@link #aheadFor}): at a high rate a small segment fills
 * within one period, so its pages must be touched before the appender gets there.
 */
final class Pretoucher implements AutoCloseable {

    private static final Log LOG = new Log("journal");
    static final long PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long STOP_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final long PAGE_BYTES = 4096;
    /** Touch at least this far ahead, and twice what was appended in the last period (up to the max). */
    static final long MIN_AHEAD_BYTES = 2L << 20;
    private static final long MAX_AHEAD_BYTES = 64L << 20;
    /** Touched past the segment's size: the last entry starts before it and ends after it (see {@link #limitFor}). */
    private static final long MAX_END_SLACK_BYTES = 1L << 20;
    /** Pages faulted per madvise call (the loop checks {@code running} between steps). */
    private static final long POPULATE_STEP_BYTES = 2L << 20;
    /** Cleared, for every journal, at the first refusal (an older kernel): pages are then touched one by one. */
    private static volatile boolean populateWorks = true;
    /** No touching this close to the end of a cycle: the file is about to be left. */
    private static final long QUIET_BEFORE_ROLL_MILLIS = 2 * TimeUnit.NANOSECONDS.toMillis(PERIOD_NANOS);

    private final SingleChronicleQueue queue;
    private final Clock clock;
    private final long cycleMillis;
    private final long limitBytes;
    private final long startAheadBytes;
    private final Thread thread;
    private volatile boolean running = true;
    // Published by the appender; read here. A torn pair only touches the wrong pages, which is harmless.
    // The position is set with release semantics: a plain store on x86, no fence on the hot path.
    private volatile int cycle = Integer.MIN_VALUE;
    private final AtomicLong position = new AtomicLong();

    // Owned by the thread; touchedTo is also read by tests.
    private int heldCycle = Integer.MIN_VALUE;
    private SingleChronicleQueueStore store;
    private MappedBytes bytes;
    private volatile long touchedTo;
    private long lastPosition;

    /**
     * @param segmentBytes    the segment's size: no page at or past {@link #limitFor limitFor(segmentBytes)} is touched
     * @param startAheadBytes before the first append, touch this far (a segment made ahead: as far as the
     *                        append rate needs, and no further, in case the segment waits long)
     */
    Pretoucher(SingleChronicleQueue queue, Clock clock, long cycleMillis, long segmentBytes, long startAheadBytes,
            String name) {
        this.queue = queue;
        this.clock = clock;
        this.cycleMillis = cycleMillis;
        this.limitBytes = limitFor(segmentBytes);
        this.startAheadBytes = startAheadBytes;
        this.thread = new Thread(this::run, name);
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Called by the appender after each append, under the journal's lock (and once with position 0 when a
     * segment is made ahead). A new cycle wakes the thread: a short-lived segment cannot wait a period.
     */
    void appended(int cycle, long endPosition) {
        position.setRelease(endPosition);
        if (cycle != this.cycle) {
            this.cycle = cycle;
            LockSupport.unpark(thread);
        }
    }

    private void run() {
        boolean warned = false;
        while (running) {
            try {
                touchAhead();
                warned = false;
            } catch (RuntimeException | Error e) {
                if (!warned) {
                    LOG.warn("pretouch of cycle " + heldCycle + " in " + queue.fileAbsolutePath() + " failed: " + e);
                    warned = true;
                }
                release();
            }
            LockSupport.parkNanos(this, PERIOD_NANOS);
        }
        release();
    }

    private void touchAhead() {
        int current = cycle;
        long pos = position.getAcquire();
        if (current == Integer.MIN_VALUE) {
            return;
        }
        if (current != heldCycle) {
            release();
            store = queue.storeForCycle(current, queue.epoch(), false, null);
            if (store == null) {
                return;
            }
            bytes = store.bytes();
            heldCycle = current;
            touchedTo = 0;
            lastPosition = pos;
        }
        long ahead = pos == 0 ? Math.min(MAX_AHEAD_BYTES, startAheadBytes)
                : Math.min(MAX_AHEAD_BYTES, Math.max(MIN_AHEAD_BYTES, 2 * (pos - lastPosition)));
        lastPosition = pos;
        if (clock.millis() >= (current + 1L) * cycleMillis - QUIET_BEFORE_ROLL_MILLIS) {
            return;
        }
        long to = Math.min(pos + ahead, limitBytes);
        long chunk = bytes.mappedFile().chunkSize();
        long page = Math.max(touchedTo, (pos + PAGE_BYTES - 1) & -PAGE_BYTES);
        while (page < to && running) {
            // one step stays inside one mapped chunk, where addresses are contiguous
            long end = Math.min(Math.min(to, page + POPULATE_STEP_BYTES), (page / chunk + 1) * chunk);
            end = (end + PAGE_BYTES - 1) & -PAGE_BYTES;
            populate(page, end);
            for (long p = page; p < end; p += PAGE_BYTES) {
                bytes.compareAndSwapLong(p, 0L, 0L);
            }
            touchedTo = end;
            page = end;
        }
    }

    /** Faults {@code [from, to)} in writable with one madvise, where the kernel has it (else the touch does it). */
    private void populate(long from, long to) {
        if (!populateWorks) {
            return;
        }
        long address = bytes.addressForWrite(from);
        if (Syscalls.libc().madvise(address, to - from, LibC.MADV_POPULATE_WRITE) != 0) {
            int errno = Syscalls.lastErrno();
            populateWorks = false;
            LOG.info("madvise(MADV_POPULATE_WRITE) refused (" + Syscalls.describeErrno(errno) + "): journal pages are faulted in by the touch alone");
        }
    }

    private void release() {
        if (bytes != null) {
            bytes.releaseLast();
            bytes = null;
        }
        if (store != null) {
            queue.closeStore(store);
            store = null;
        }
        heldCycle = Integer.MIN_VALUE;
    }

    /** The file offset up to which the current cycle's pages have been faulted in (0 before the first pass). */
    long touchedTo() {
        return touchedTo;
    }

    /**
     * The offset to touch up to in a segment of {@code segmentBytes}: a little past it, because the entry that
     * fills the segment starts before its size and ends after it. Without the slack that entry met untouched
     * pages: on this machine a first store to a page of the file waits, now and then, for the filesystem's
     * journal (its mtime update), and the append that rolled took 11-21 ms. A sixteenth of the segment, at most
     * 1 MiB: the pages past the last entry are wasted on disk, and an entry larger than the slack (a large write)
     * still faults its own tail in.
     */
    static long limitFor(long segmentBytes) {
        return segmentBytes + Math.min(MAX_END_SLACK_BYTES, segmentBytes / 16);
    }

    /** How far to touch a new segment ahead for a rate of {@code bytes} per {@code nanos}: two periods' worth. */
    static long aheadFor(long bytes, long nanos) {
        return (long) Math.min(MAX_AHEAD_BYTES, 2.0 * PERIOD_NANOS * bytes / Math.max(1, nanos));
    }

    /** Asks the thread to stop (the appender has moved to another segment) without waiting for it. */
    void stop() {
        running = false;
        LockSupport.unpark(thread);
    }

    /**
     * Stops the thread and drops its store reference; must return before the queue closes, since the thread
     * writes through the queue's mapping. A touch pass is bounded (at most 64 MiB of pages), so the wait is
     * short; if the thread does not stop in time, this throws rather than let the mapping go under it.
     */
    @Override
    public void close() {
        stop();
        boolean interrupted = false;
        long deadline = System.nanoTime() + STOP_TIMEOUT_NANOS;
        while (thread.isAlive() && System.nanoTime() - deadline < 0) {
            try {
                thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            throw new IllegalStateException("journal pretouch thread " + thread.getName() + " did not stop within "
                    + TimeUnit.NANOSECONDS.toSeconds(STOP_TIMEOUT_NANOS) + " s");
        }
    }
}
