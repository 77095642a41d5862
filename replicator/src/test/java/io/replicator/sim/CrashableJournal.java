package io.replicator.sim;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.replicator.journal.Journal;
import io.replicator.journal.MemoryJournal;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A {@link MemoryJournal} that can lose power like the memory-mapped Chronicle journal: entries up to
 * the last {@link #sync} (and every reset and retention trim) are durable; of the entries after it, a
 * power loss keeps a random prefix (the file is appended in order; a torn last entry fails its CRC and
 * is dropped). A kill -9 keeps everything (the mapping is in the page cache).
 */
final class CrashableJournal implements Journal {
    private static final ByteBufAllocator HEAP = new UnpooledByteBufAllocator(false, true);

    private final long maxEntries;
    private MemoryJournal inner;
    private long syncedSeq;
    private int failNext;

    CrashableJournal(long maxEntries) {
        this.maxEntries = maxEntries;
        this.inner = new MemoryJournal(maxEntries);
    }

    /** The next {@code n} appends or syncs fail with an I/O error. */
    void failNext(int n) {
        failNext = n;
    }

    long syncedSeq() {
        return syncedSeq;
    }

    /** Power is cut: a random prefix of the entries after the last sync survives. */
    void powerLoss(SplittableRandom random) throws IOException {
        long first = inner.firstSeq();
        long last = inner.lastSeq();
        long keep = Math.max(first - 1, syncedSeq + (last > syncedSeq ? random.nextLong(last - syncedSeq + 1) : 0));
        List<Entry> kept = new ArrayList<>();
        if (keep >= first) {
            try (Cursor c = inner.read(first)) {
                for (Entry e = c.next(HEAP); e != null && e.seq() <= keep; e = c.next(HEAP)) {
                    kept.add(e);
                }
            }
        }
        MemoryJournal survivor = new MemoryJournal(maxEntries);
        survivor.reset(first);
        for (Entry e : kept) {
            survivor.append(e.seq(), e.type(), e.flags(), e.offset(), e.length(), e.data());
            if (e.data() != null) {
                e.data().release();
            }
        }
        inner.close();
        inner = survivor;
        syncedSeq = survivor.lastSeq();
    }

    @Override
    public long firstSeq() {
        return inner.firstSeq();
    }

    @Override
    public long lastSeq() {
        return inner.lastSeq();
    }

    @Override
    public void append(long seq, byte type, int flags, long offset, long length, ByteBuf data) throws IOException {
        injectedError("append of seq " + seq);
        inner.append(seq, type, flags, offset, length, data);
    }

    @Override
    public void reset(long nextSeq) throws IOException {
        inner.reset(nextSeq);
        syncedSeq = nextSeq - 1;
    }

    @Override
    public void sync() throws IOException {
        injectedError("sync");
        inner.sync();
        syncedSeq = inner.lastSeq();
    }

    @Override
    public Cursor read(long fromSeq) throws IOException {
        return inner.read(fromSeq);
    }

    @Override
    public long trim(long keepFromSeq) throws IOException {
        return inner.trim(keepFromSeq);
    }

    @Override
    public long sizeBytes() {
        return inner.sizeBytes();
    }

    @Override
    public void close() {
        inner.close();
    }

    private void injectedError(String what) throws IOException {
        if (failNext > 0) {
            failNext--;
            throw new IOException("injected journal I/O error (" + what + ")");
        }
    }
}
