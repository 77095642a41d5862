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
 * A cursor over one generation of a {@link ChronicleJournal}: a Chronicle tailer plus the seq it expects
 * next, so that a gap (entries trimmed under it) or a damaged entry is an error, never a silent skip. Reads
 * hold the journal's mapping lock (shared), so a reset or close cannot unmap the file mid-copy.
 */
final class ChronicleCursor implements Journal.Cursor {

    private final ChronicleJournal journal;
    private final QueueGeneration generation;
    private final ExcerptTailer tailer;
    private final EntryCodec codec = new EntryCodec();
    private long nextSeq;
    /** The cycle this cursor is in; retention keeps it. Only grows; read by trim on another thread. */
    private volatile int cycle;
    private boolean closed;

    ChronicleCursor(ChronicleJournal journal, QueueGeneration generation, ExcerptTailer tailer, long nextSeq, int cycle) {
        this.journal = journal;
        this.generation = generation;
        this.tailer = tailer;
        this.nextSeq = nextSeq;
        this.cycle = cycle;
    }

    int cycle() {
        return cycle;
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
            return read(alloc);
        } catch (RuntimeException | InternalError e) {
            throw new IOException("journal " + journal.dir() + ": reading seq " + nextSeq + " failed", e);
        } finally {
            lock.unlock();
        }
    }

    private Journal.Entry read(ByteBufAllocator alloc) throws IOException {
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
            cycle = QueueGeneration.ROLL_CYCLE.toCycle(dc.index());
            return new Journal.Entry(h.seq(), h.type(), h.flags(), h.offset(), h.length(), data);
        }
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
            if (!generation.isClosed()) {
                tailer.close();
            }
        } finally {
            lock.unlock();
        }
    }
}
