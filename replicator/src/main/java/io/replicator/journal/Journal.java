package io.replicator.journal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.Closeable;
import java.io.IOException;

/**
 * The write journal: every write a node applies, in sequence-number order, appended before the disk
 * write. It lets a peer that was away catch up in write order, lets a node redo its last writes after a
 * crash, and gives the node an exact last sequence number. Sequence numbers are consecutive from
 * {@link #firstSeq()} to {@link #lastSeq()}; retention drops whole oldest files only, never an entry at or
 * above the caller's keep-from sequence number.
 *
 * <p>Thread safety: all methods may be called from any thread; appends are serialised. A {@link Cursor}
 * belongs to one thread at a time. An I/O error is sticky: every later append and sync fails with it.
 */
public interface Journal extends Closeable {

    byte WRITE = 1, TRIM = 2, ZEROES = 3;

    /** The largest WRITE payload: the largest NBD write. */
    int MAX_DATA_BYTES = io.replicator.nbd.wire.NbdConstants.MAX_PAYLOAD_BYTES;

    /** Lowest retained seq; {@code lastSeq() + 1} when empty. */
    long firstSeq();

    /** Highest appended seq; 0 for a new journal; {@code nextSeq - 1} after {@code reset(nextSeq)}. */
    long lastSeq();

    /**
     * Appends one entry. {@code seq} must be {@code lastSeq() + 1} (IllegalArgumentException otherwise).
     * {@code data}: readable bytes == length for WRITE (not consumed: read by index, the reader index does
     * not move), null for TRIM and ZEROES.
     */
    void append(long seq, byte type, int flags, long offset, long length, ByteBuf data) throws IOException;

    /**
     * Drops every entry; the next append must be {@code nextSeq} (>= 1). Persisted: a reopened journal
     * remembers nextSeq even with no entries. Open cursors fail on their next read.
     */
    void reset(long nextSeq) throws IOException;

    /** Everything appended so far is durable when this returns. */
    void sync() throws IOException;

    /**
     * Starts a {@link #sync()} that the caller awaits later, so that it can sync something else (the
     * disk) meanwhile: two fsyncs at once cost about one. The default syncs now.
     */
    default PendingSync startSync() throws IOException {
        sync();
        return () -> { };
    }

    /** A sync started by {@link #startSync()}. */
    @FunctionalInterface
    interface PendingSync {
        /** Returns when everything appended before the sync started is durable; throws what the sync threw. */
        void await() throws IOException;
    }

    /** A cursor at {@code fromSeq}, which must be in [firstSeq(), lastSeq() + 1] (IllegalArgumentException otherwise). */
    Cursor read(long fromSeq) throws IOException;

    /**
     * Applies retention: deletes whole files whose entries are all below {@code keepFromSeq} and that are
     * over the size bound (oldest first) or older than the age bound. Returns the number of entries dropped.
     */
    long trim(long keepFromSeq) throws IOException;

    /** Bytes the retained entries take, with their framing. */
    long sizeBytes();

    /**
     * Reads entries in seq order. Close it when done: retention keeps the file an open cursor is in (and
     * every later one), so a forgotten cursor stops trimming.
     */
    interface Cursor extends Closeable {
        /**
         * The next entry, its data copied into a buffer from {@code alloc} (the caller releases it), or null
         * at the end (a later call may return entries appended meanwhile). IOException when the entry is
         * unreadable, was trimmed before this cursor reached it, or the journal was reset.
         */
        Entry next(ByteBufAllocator alloc) throws IOException;
    }

    /** One journal entry; {@code data} is null unless {@code type == WRITE}. */
    record Entry(long seq, byte type, int flags, long offset, long length, ByteBuf data) {
    }

    /** A readable name for an entry type, for messages. */
    static String typeName(byte type) {
        return switch (type) {
            case WRITE -> "WRITE";
            case TRIM -> "TRIM";
            case ZEROES -> "ZEROES";
            default -> "type " + type;
        };
    }
}
