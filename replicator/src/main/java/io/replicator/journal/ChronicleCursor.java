package io.replicator.journal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.locks.Lock;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * A cursor over one generation of a {@link ChronicleJournal}: a Chronicle tailer in one segment plus the seq
 * it expects next, so that a gap (entries trimmed under it) or a damaged entry is an error, never a silent
 * skip. At the end of a segment that has a successor it moves on to it. Reads hold the journal's mapping
 * lock (shared), so a reset or close cannot unmap the file mid-copy; retention keeps the file the cursor is
 * in and every later one, so no other close can either.
 */
final class ChronicleCursor implements Journal.Cursor {

    private final ChronicleJournal journal;
    private final QueueGeneration generation;
    private final EntryCodec codec = new EntryCodec();
    private Segment segment;
    private ExcerptTailer tailer;
    private long nextSeq;
    /**
     * The {@link CycleSpan#position()} of the file this cursor is in; retention keeps it and later ones. Only
     * grows, and only once the tailer has left the earlier file; read by trim on another thread.
     */
    private volatile long position;
    private boolean closed;

    ChronicleCursor(ChronicleJournal journal, QueueGeneration generation, QueueGeneration.Start start, long nextSeq) {
        this.journal = journal;
        this.generation = generation;
        this.segment = start.segment();
        this.tailer = start.tailer();
        this.position = start.position();
        this.nextSeq = nextSeq;
    }

    long position() {
        return position;
    }

    boolean reads(QueueGeneration g) {
        return generation == g;
    }

    @Override
    public Journal.Entry next(ByteBufAllocator alloc) throws IOException {
        if (closed) {
            throw new IllegalStateException("journal cursor is closed");
        }
        Lock lock = journal.mappingLock();
        lock.lock();
        try {
            if (generation.isClosed()) {
                throw new IOException(journal.isClosed() ? "journal " + journal.dir() + " is closed"
                        : "journal " + journal.dir() + " was reset while a cursor was at seq " + nextSeq);
            }
            if (nextSeq < journal.firstSeq()) {
                throw new IOException("journal " + journal.dir() + ": entry seq " + nextSeq
                        + " was trimmed before this cursor read it (first: " + journal.firstSeq() + ")");
            }
            Journal.Entry e = read(alloc);
            return e == null && moveOn() ? read(alloc) : e;
        } catch (RuntimeException | InternalError e) {
            throw new IOException("journal " + journal.dir() + ": reading seq " + nextSeq + " failed", e);
        } finally {
            lock.unlock();
        }
    }

    private Journal.Entry read(ByteBufAllocator alloc) throws IOException {
        if (tailer == null && !startInSegment()) {
            return null;
        }
        try (DocumentContext dc = tailer.readingDocument()) {
            if (!dc.isPresent()) {
                return null;
            }
            Bytes<?> bytes = dc.wire().bytes();
            long size = bytes.readRemaining();
            if (size < EntryCodec.HEADER_BYTES) {
                throw damaged("has " + size + " bytes (expected: >= " + EntryCodec.HEADER_BYTES + ")");
            }
            bytes.read(codec.headerBytes(), 0, EntryCodec.HEADER_BYTES);
            EntryCodec.Header h = codec.decode();
            if (h.seq() != nextSeq) {
                throw new IOException("journal " + journal.dir() + ": found seq " + h.seq() + " (expected: " + nextSeq
                        + "; entries trimmed under the cursor, or a damaged journal)");
            }
            long dataBytes = size - EntryCodec.HEADER_BYTES;
            long expectedData = h.type() == Journal.WRITE ? h.length() : 0;
            if (dataBytes != expectedData) {
                throw damaged(Journal.typeName(h.type()) + " of length " + h.length() + " carries " + dataBytes + " data bytes");
            }
            ByteBuf data = h.type() == Journal.WRITE ? copyData(bytes, (int) dataBytes, alloc) : null;
            ByteBuffer check = data == null ? null : data.nioBuffer(data.readerIndex(), data.readableBytes());
            if (codec.checksum(check) != h.crc()) {
                if (data != null) {
                    data.release();
                }
                throw damaged("checksum mismatch (written but not synced before a power loss, or damaged)");
            }
            nextSeq++;
            position = CycleSpan.position(segment.number, Segment.ROLL_CYCLE.toCycle(dc.index()));
            return new Journal.Entry(h.seq(), h.type(), h.flags(), h.offset(), h.length(), data);
        }
    }

    /** Positions the tailer at the first entry of a segment that had none when the cursor started. */
    private boolean startInSegment() throws IOException {
        long first = segment.firstIndex;
        if (first < 0) {
            return false;
        }
        ExcerptTailer started = QueueGeneration.tailer(segment);
        if (!started.moveToIndex(first)) {
            started.close();
            throw new IOException("journal " + journal.dir() + ": entry seq " + segment.firstSeq + " is missing from " + segment);
        }
        tailer = started;
        return true;
    }

    /**
     * Goes on to the next segment if this one has ended before {@code nextSeq}. The seq check matters: an
     * entry of this segment that the tailer did not see yet is older than the next segment's first.
     */
    private boolean moveOn() throws IOException {
        Segment next = segment.next;
        if (next == null || nextSeq < next.firstSeq) {
            return false;
        }
        ExcerptTailer moved = QueueGeneration.tailer(next);
        if (!moved.moveToIndex(next.firstIndex)) {
            moved.close();
            throw new IOException("journal " + journal.dir() + ": entry seq " + next.firstSeq + " is missing from " + next);
        }
        if (tailer != null) {
            tailer.close();
        }
        tailer = moved;
        segment = next;
        position = CycleSpan.position(next.number, Segment.ROLL_CYCLE.toCycle(next.firstIndex));
        return true;
    }

    private static ByteBuf copyData(Bytes<?> bytes, int length, ByteBufAllocator alloc) {
        ByteBuf data = alloc.buffer(length, length);
        try {
            int at = data.writerIndex();
            if (data.hasMemoryAddress()) {
                bytes.unsafeRead(data.memoryAddress() + at, length);
            } else if (data.hasArray()) {
                bytes.read(data.array(), data.arrayOffset() + at, length);
            } else {
                byte[] copy = new byte[length];
                bytes.read(copy, 0, length);
                data.setBytes(at, copy);
            }
            data.writerIndex(at + length);
            return data;
        } catch (RuntimeException | Error e) {
            data.release();
            throw e;
        }
    }

    private IOException damaged(String what) {
        return new IOException("journal " + journal.dir() + ": entry seq " + nextSeq + " " + what);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        journal.forget(this);
        Lock lock = journal.mappingLock();
        lock.lock();
        try {
            if (!generation.isClosed() && tailer != null) {
                tailer.close();
            }
        } finally {
            lock.unlock();
        }
    }
}
