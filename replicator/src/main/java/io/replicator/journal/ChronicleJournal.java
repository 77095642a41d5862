package io.replicator.journal;

import io.netty.buffer.ByteBuf;
import io.replicator.nbd.server.Log;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The journal on disk: segments of Chronicle Queue (memory-mapped, five-minute cycle files), each in its own
 * directory {@code gen-G/seg-N}, plus {@code journal.meta} naming the generation and the seq it starts at.
 * Appends move to a new segment when the current file reaches the segment size ({@link #segmentBytesFor}),
 * so files stay small however fast the writes; seqs continue across segments. An append reaches the page
 * cache; {@link #sync()} makes it durable. Retention deletes whole files, and whole segments once empty.
 *
 * <p>Locks: {@code lock} serialises appends, reset, cursor creation and the bookkeeping part of trim (which
 * files go: no I/O); {@code syncLock} serialises syncs (so a sync never returns while an earlier one is still
 * flushing files it took); the mapping lock is shared by cursor reads and by trim while it closes segments
 * and deletes files, and taken exclusively by reset and close, which close the whole generation. Order:
 * syncLock, lock, mapping lock. The first I/O error is sticky.
 */
public final class ChronicleJournal implements Journal {

    private static final Log LOG = new Log("journal");
    /** Segments are an eighth of the size bound, within these limits; see {@link #segmentBytesFor}. */
    static final int SEGMENTS_PER_MAX_SIZE = 8;
    static final long MIN_SEGMENT_BYTES = 4L << 20;
    static final long MAX_SEGMENT_BYTES = 128L << 20;

    private final Path dir;
    private final long maxSizeBytes;
    private final long maxAgeMillis;
    private final long segmentBytes;
    private final Clock clock;
    private final FileChannel lockChannel;
    private final ReentrantLock lock = new ReentrantLock();
    private final ReentrantLock syncLock = new ReentrantLock();
    private final ReentrantReadWriteLock mapping = new ReentrantReadWriteLock();
    private final Set<ChronicleCursor> cursors = ConcurrentHashMap.newKeySet();
    private JournalMeta meta; // guarded by lock
    private QueueGeneration generation; // guarded by lock; replaced under the mapping write lock too
    private volatile long firstSeq;
    private volatile long lastSeq;
    private volatile IOException failure;
    private volatile boolean closed;
    /** Runs the syncs of {@link #startSync()}: one at a time, as {@link #sync()} runs them anyway. */
    private final ExecutorService syncer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "journal-sync");
        t.setDaemon(true);
        return t;
    });

    private ChronicleJournal(Path dir, long maxSizeBytes, Duration maxAge, long segmentBytes, Clock clock,
            FileChannel lockChannel, JournalMeta meta, QueueGeneration generation) {
        this.dir = dir;
        this.maxSizeBytes = maxSizeBytes;
        this.maxAgeMillis = maxAge.toMillis();
        this.segmentBytes = segmentBytes;
        this.clock = clock;
        this.lockChannel = lockChannel;
        this.meta = meta;
        this.generation = generation;
        this.firstSeq = generation.firstSeq();
        this.lastSeq = generation.lastSeq();
    }

    /**
     * Opens the journal in {@code dir}, creating it if the directory is missing or empty, and recovers the
     * first and last seq (also after a kill -9 of the writer: Chronicle ignores the unfinished last entry and
     * the next append overwrites it). One process at a time: a second open fails.
     *
     * @param maxSizeBytes retention: older files go while the journal is larger than this; it stays within
     *                     this plus one segment ({@link #segmentBytesFor}) unless keep-from or a cursor holds more
     * @param maxAge       retention: files whose entries are all older than this go
     * @param clock        decides the cycle files (and so the age of entries)
     */
    public static ChronicleJournal open(Path dir, long maxSizeBytes, Duration maxAge, Clock clock) throws IOException {
        if (maxSizeBytes <= 0) {
            throw new IllegalArgumentException("maxSizeBytes: " + maxSizeBytes + " (expected: > 0)");
        }
        return open(dir, maxSizeBytes, maxAge, clock, segmentBytesFor(maxSizeBytes));
    }

    /**
     * The segment size for a size bound: an eighth of it, at least 4 MiB and at most 128 MiB. An eighth,
     * because retention deletes whole files and never the newest, which grows to a segment: the journal then
     * overshoots its bound by at most an eighth, with about nine segments (open queues) at a time. At least
     * 4 MiB, because each roll costs a queue directory and a cycle file (milliseconds of work on the spare
     * thread, see {@link SpareSegment}) and Chronicle's per-file header and index (some 30 KiB) should stay a
     * small fraction; the configured minimum bound (64 MiB) gives 8 MiB anyway, 60 rolls a second at
     * 500 MB/s. At most 128 MiB, because a file of that plus the largest entry (32 MiB) stays within
     * Chronicle's first mapped block ({@link Segment#BLOCK_BYTES}, so the appender never waits for a new
     * mapping), and a large journal still frees space in steps of 128 MiB rather than gigabytes.
     */
    static long segmentBytesFor(long maxSizeBytes) {
        return Math.max(MIN_SEGMENT_BYTES, Math.min(MAX_SEGMENT_BYTES, maxSizeBytes / SEGMENTS_PER_MAX_SIZE));
    }

    /** As {@link #open(Path, long, Duration, Clock)} with a given segment size (tests use small ones). */
    static ChronicleJournal open(Path dir, long maxSizeBytes, Duration maxAge, Clock clock, long segmentBytes)
            throws IOException {
        if (maxSizeBytes <= 0) {
            throw new IllegalArgumentException("maxSizeBytes: " + maxSizeBytes + " (expected: > 0)");
        }
        if (segmentBytes <= 0) {
            throw new IllegalArgumentException("segmentBytes: " + segmentBytes + " (expected: > 0)");
        }
        if (maxAge.isNegative() || maxAge.isZero()) {
            throw new IllegalArgumentException("maxAge: " + maxAge + " (expected: > 0)");
        }
        Files.createDirectories(dir);
        FileChannel lockChannel = JournalDirectory.lock(dir);
        try {
            JournalMeta meta = JournalDirectory.loadOrCreateMeta(dir);
            JournalDirectory.deleteStaleGenerations(dir, meta);
            QueueGeneration generation = openGeneration(dir, meta, clock, segmentBytes);
            ChronicleJournal journal = new ChronicleJournal(dir, maxSizeBytes, maxAge, segmentBytes, clock, lockChannel,
                    meta, generation);
            LOG.info("journal " + dir + " open: seq " + journal.firstSeq + ".." + journal.lastSeq + ", "
                    + generation.segmentCount() + " segments of up to " + segmentBytes + " bytes, "
                    + generation.spans().size() + " files, " + generation.sizeBytes() + " bytes");
            return journal;
        } catch (IOException | RuntimeException | Error e) {
            lockChannel.close();
            throw e;
        }
    }

    Path dir() {
        return dir;
    }

    boolean isClosed() {
        return closed;
    }

    Lock mappingLock() {
        return mapping.readLock();
    }

    void forget(ChronicleCursor cursor) {
        cursors.remove(cursor);
    }

    @Override
    public long firstSeq() {
        return firstSeq;
    }

    @Override
    public long lastSeq() {
        return lastSeq;
    }

    @Override
    public void append(long seq, byte type, int flags, long offset, long length, ByteBuf data) throws IOException {
        lock.lock();
        try {
            checkUsable();
            JournalChecks.checkAppend(lastSeq, seq, type, offset, length, data);
            try {
                generation.append(seq, type, flags, offset, length, data);
            } catch (IOException | RuntimeException | Error e) {
                throw fail("append of seq " + seq, e);
            }
            lastSeq = seq;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void reset(long nextSeq) throws IOException {
        JournalChecks.checkNextSeq(nextSeq);
        lock.lock();
        try {
            checkUsable();
            JournalMeta next = new JournalMeta(meta.generation() + 1, nextSeq);
            QueueGeneration old = generation;
            mapping.writeLock().lock();
            try {
                try {
                    old.close();
                    next.store(dir); // the commit point: a crash before it keeps the old generation
                    meta = next;
                    JournalDirectory.deleteTree(old.dir);
                    generation = openGeneration(dir, next, clock, segmentBytes);
                } catch (IOException | RuntimeException | Error e) {
                    throw fail("reset to seq " + nextSeq, e);
                }
            } finally {
                mapping.writeLock().unlock();
            }
            firstSeq = nextSeq;
            lastSeq = nextSeq - 1;
            cursors.clear(); // their generation is gone: they fail on their next read
            LOG.info("journal " + dir + " reset: next seq " + nextSeq);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Flushes every file appended to since the last sync with fsync, and every directory in which a file or
     * segment was created. Not {@code appender.sync()}: that msyncs only the appender's current mapped block,
     * which misses a file (or segment) the appender has rolled away from and earlier blocks of the same file.
     */
    @Override
    public void sync() throws IOException {
        syncLock.lock();
        try {
            QueueGeneration.Unsynced unsynced;
            QueueGeneration synced;
            lock.lock();
            try {
                checkUsable();
                synced = generation;
                unsynced = synced.takeUnsynced();
            } finally {
                lock.unlock();
            }
            for (Path file : unsynced.files()) {
                try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                    ch.force(false);
                } catch (NoSuchFileException e) {
                    if (stillRetained(synced, file)) {
                        throw fail("sync of " + file, e);
                    }
                } catch (IOException e) {
                    throw fail("sync of " + file, e);
                }
            }
            for (Path directory : unsynced.directories()) {
                try {
                    JournalMeta.syncDirectory(directory);
                } catch (NoSuchFileException e) {
                    if (stillRetained(synced, directory)) {
                        throw fail("sync of " + directory, e);
                    }
                } catch (IOException e) {
                    throw fail("sync of " + directory, e);
                }
            }
        } finally {
            syncLock.unlock();
        }
    }

    /** See {@link QueueGeneration#pretouchedTo()}; for tests. */
    long pretouchedTo() {
        lock.lock();
        try {
            return generation.pretouchedTo();
        } finally {
            lock.unlock();
        }
    }

    /** A file that vanished during a sync is fine only if retention or a reset removed it meanwhile. */
    private boolean stillRetained(QueueGeneration synced, Path path) {
        lock.lock();
        try {
            return generation == synced && !closed && synced.retains(path);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Cursor read(long fromSeq) throws IOException {
        lock.lock();
        try {
            checkUsable();
            JournalChecks.checkReadFrom(fromSeq, firstSeq, lastSeq);
            try {
                ChronicleCursor cursor = new ChronicleCursor(this, generation, generation.startAt(fromSeq), fromSeq);
                cursors.add(cursor);
                return cursor;
            } catch (RuntimeException | Error e) {
                throw new IOException("journal " + dir + ": positioning a cursor at seq " + fromSeq + " failed", e);
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public long trim(long keepFromSeq) throws IOException {
        QueueGeneration.Detached detached;
        QueueGeneration trimmed;
        lock.lock();
        try {
            checkUsable();
            trimmed = generation;
            long firstPositionRead = cursors.stream().filter(c -> c.reads(trimmed)).mapToLong(ChronicleCursor::position)
                    .min().orElse(Long.MAX_VALUE);
            int drop = Retention.spansToDrop(trimmed.spans(), keepFromSeq, maxSizeBytes, maxAgeMillis, clock.millis(),
                    Segment.ROLL_CYCLE.lengthInMillis(), firstPositionRead);
            detached = trimmed.detachOldest(drop);
            firstSeq = trimmed.firstSeq();
        } finally {
            lock.unlock();
        }
        if (detached.entries() == 0) {
            return 0;
        }
        // Close and unlink outside the append lock: closing a queue and freeing a large file take milliseconds.
        mapping.readLock().lock();
        try {
            trimmed.release(detached);
        } catch (IOException | RuntimeException e) {
            throw fail("retention (deleting " + detached.segments() + " and " + detached.files() + ")", e);
        } finally {
            mapping.readLock().unlock();
        }
        return detached.entries();
    }

    @Override
    public long sizeBytes() {
        lock.lock();
        try {
            return closed ? 0 : generation.sizeBytes();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() throws IOException {
        syncer.shutdown(); // a sync in progress finishes first (outside the lock: it takes the lock)
        try {
            if (!syncer.awaitTermination(30, TimeUnit.SECONDS)) {
                LOG.warn("journal " + dir + ": a sync did not finish within 30 s of close");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            mapping.writeLock().lock();
            try {
                generation.close();
            } catch (RuntimeException e) {
                throw new IOException("journal " + dir + ": close failed", e);
            } finally {
                mapping.writeLock().unlock();
                lockChannel.close();
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public PendingSync startSync() throws IOException {
        checkUsable();
        CompletableFuture<Void> done = new CompletableFuture<>();
        syncer.execute(() -> {
            try {
                sync();
                done.complete(null);
            } catch (IOException | RuntimeException e) {
                done.completeExceptionally(e);
            }
        });
        return () -> awaitSync(done);
    }

    private void awaitSync(CompletableFuture<Void> done) throws IOException {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    done.get(); // not interruptible: the caller's disk sync would fail the same way
                    return;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (cause instanceof IOException io) {
                        throw io;
                    }
                    throw (RuntimeException) cause;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void checkUsable() throws IOException {
        if (closed) {
            throw new IllegalStateException("journal " + dir + " is closed");
        }
        IOException f = failure;
        if (f != null) {
            throw new IOException("journal " + dir + " failed earlier: " + f.getMessage(), f);
        }
    }

    /** Records the first failure (sticky) and returns the exception to throw. */
    private IOException fail(String what, Throwable cause) {
        IOException e = new IOException("journal " + dir + ": " + what + " failed", cause);
        if (failure == null) {
            failure = e;
            LOG.error("journal " + dir + ": " + what + " failed; the journal refuses further work", cause);
        }
        return e;
    }

    private static QueueGeneration openGeneration(Path dir, JournalMeta meta, Clock clock, long segmentBytes)
            throws IOException {
        Path queueDir = meta.queueDir(dir);
        boolean created = !Files.exists(queueDir);
        try {
            QueueGeneration generation = QueueGeneration.open(queueDir, meta.nextSeq(), clock, segmentBytes);
            if (created) {
                JournalMeta.syncDirectory(dir);
            }
            return generation;
        } catch (RuntimeException | Error e) {
            throw new IOException("journal " + dir + ": opening " + queueDir.getFileName() + " failed", e);
        }
    }
}
