package io.replicator.journal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * An in-memory journal for the deterministic simulation: the semantics of {@link ChronicleJournal} with
 * entry-count retention. Entries are copied on append. Nothing survives the object, so {@link #sync()} only
 * checks that the journal is open.
 */
public final class MemoryJournal implements Journal {

    /** Per-entry framing counted by {@link #sizeBytes()}, as in the Chronicle journal. */
    static final int FRAME_BYTES = 4 + EntryCodec.HEADER_BYTES;

    private record Stored(long seq, byte type, int flags, long offset, long length, byte[] data) {
    }

    private final long maxEntries;
    private final List<Stored> entries = new ArrayList<>(); // guarded by this; entries.get(i).seq == firstSeq + i
    private long firstSeq = 1; // guarded by this
    private long generation; // guarded by this; bumped by reset so that open cursors fail
    private long sizeBytes; // guarded by this
    private boolean closed; // guarded by this

    public MemoryJournal(long maxEntries) {
        if (maxEntries < 0) {
            throw new IllegalArgumentException("maxEntries: " + maxEntries + " (expected: >= 0)");
        }
        this.maxEntries = maxEntries;
    }

    @Override
    public synchronized long firstSeq() {
        return firstSeq;
    }

    @Override
    public synchronized long lastSeq() {
        return firstSeq + entries.size() - 1;
    }

    @Override
    public synchronized void append(long seq, byte type, int flags, long offset, long length, ByteBuf data) {
        ensureOpen();
        JournalChecks.checkAppend(lastSeq(), seq, type, offset, length, data);
        byte[] copy = null;
        if (data != null) {
            copy = new byte[(int) length];
            data.getBytes(data.readerIndex(), copy);
        }
        entries.add(new Stored(seq, type, flags, offset, length, copy));
        sizeBytes += frameBytes(copy);
    }

    @Override
    public synchronized void reset(long nextSeq) {
        ensureOpen();
        JournalChecks.checkNextSeq(nextSeq);
        entries.clear();
        firstSeq = nextSeq;
        sizeBytes = 0;
        generation++;
    }

    @Override
    public synchronized void sync() {
        ensureOpen();
    }

    @Override
    public synchronized Cursor read(long fromSeq) {
        ensureOpen();
        JournalChecks.checkReadFrom(fromSeq, firstSeq, lastSeq());
        return new MemoryCursor(fromSeq, generation);
    }

    /** Drops the oldest entries below keepFromSeq until at most maxEntries remain. */
    @Override
    public synchronized long trim(long keepFromSeq) {
        ensureOpen();
        long over = entries.size() - maxEntries;
        long belowKeep = Math.max(0, Math.min(keepFromSeq - firstSeq, entries.size()));
        int drop = (int) Math.max(0, Math.min(over, belowKeep));
        List<Stored> dropped = entries.subList(0, drop);
        for (Stored s : dropped) {
            sizeBytes -= frameBytes(s.data());
        }
        dropped.clear();
        firstSeq += drop;
        return drop;
    }

    @Override
    public synchronized long sizeBytes() {
        return sizeBytes;
    }

    @Override
    public synchronized void close() {
        closed = true;
        entries.clear();
    }

    private static long frameBytes(byte[] data) {
        return FRAME_BYTES + (data == null ? 0 : data.length);
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("memory journal is closed");
        }
    }

    private final class MemoryCursor implements Cursor {
        private final long generation;
        private long nextSeq;
        private boolean closed;

        MemoryCursor(long nextSeq, long generation) {
            this.nextSeq = nextSeq;
            this.generation = generation;
        }

        @Override
        public Entry next(ByteBufAllocator alloc) throws IOException {
            if (closed) {
                throw new IllegalStateException("journal cursor is closed");
            }
            synchronized (MemoryJournal.this) {
                ensureOpen();
                if (generation != MemoryJournal.this.generation) {
                    throw new IOException("journal was reset to seq " + firstSeq + " while a cursor was at seq " + nextSeq);
                }
                if (nextSeq < firstSeq) {
                    throw new IOException("entry seq " + nextSeq + " was trimmed before this cursor read it (first: " + firstSeq + ")");
                }
                if (nextSeq > lastSeq()) {
                    return null;
                }
                Stored s = entries.get((int) (nextSeq - firstSeq));
                ByteBuf data = null;
                if (s.data() != null) {
                    data = alloc.buffer(s.data().length, s.data().length).writeBytes(s.data());
                }
                nextSeq++;
                return new Entry(s.seq(), s.type(), s.flags(), s.offset(), s.length(), data);
            }
        }

        @Override
        public void close() {
            closed = true;
        }
    }
}
