package io.replicator.nbd.device;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A sparse in-memory volume for tests and the simulator. Pages of {@link #PAGE_BYTES}; a null page is a
 * hole that reads zero, so a large, mostly empty device costs little. One read-write lock: reads run in
 * parallel, mutations one at a time; correctness over speed.
 */
public final class MemoryBlockDevice implements BlockDevice {

    public static final int PAGE_BYTES = 64 * 1024;

    /** Never written: the source of zeroes for holes. */
    private static final byte[] ZERO_PAGE = new byte[PAGE_BYTES];

    private final long sizeBytes;
    private final boolean readOnly;
    private final byte[][] pages; // guarded by lock
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private volatile boolean closed;

    public MemoryBlockDevice(long sizeBytes) {
        this(sizeBytes, false);
    }

    public MemoryBlockDevice(long sizeBytes, boolean readOnly) {
        long pageCount = (sizeBytes + PAGE_BYTES - 1) / PAGE_BYTES;
        if (sizeBytes < 0 || pageCount > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("sizeBytes: " + sizeBytes + " (expected: >= 0 and <= "
                    + (long) (Integer.MAX_VALUE - 8) * PAGE_BYTES + ")");
        }
        this.sizeBytes = sizeBytes;
        this.readOnly = readOnly;
        this.pages = new byte[(int) pageCount][];
    }

    @Override
    public long sizeBytes() {
        return sizeBytes;
    }

    @Override
    public boolean isReadOnly() {
        return readOnly;
    }

    /** Pages holding data (for tests of hole punching). */
    public int allocatedPages() {
        lock.readLock().lock();
        try {
            return (int) Arrays.stream(pages).filter(Objects::nonNull).count();
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        checkOpen();
        Objects.checkFromIndexSize(offset, dst.remaining(), sizeBytes);
        lock.readLock().lock();
        try {
            long position = offset;
            while (dst.hasRemaining()) {
                int inPage = inPage(position);
                int n = Math.min(PAGE_BYTES - inPage, dst.remaining());
                byte[] page = pages[pageIndex(position)];
                dst.put(page == null ? ZERO_PAGE : page, page == null ? 0 : inPage, n);
                position += n;
            }
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Like the file device, leaves the reader index of {@code data} where it was. */
    @Override
    public void write(long offset, ByteBuf data, boolean fua) throws IOException {
        checkWritable();
        int length = data.readableBytes();
        Objects.checkFromIndexSize(offset, length, sizeBytes);
        lock.writeLock().lock();
        try {
            int done = 0;
            while (done < length) {
                long position = offset + done;
                int inPage = inPage(position);
                int n = Math.min(PAGE_BYTES - inPage, length - done);
                data.getBytes(data.readerIndex() + done, allocate(pageIndex(position)), inPage, n);
                done += n;
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public void flush() throws IOException {
        checkOpen();
    }

    @Override
    public void trim(long offset, long length, boolean fua) throws IOException {
        zeroRange(offset, length, true);
    }

    /** Zeroing memory is always fast, so {@code fastOnly} never fails here. */
    @Override
    public void writeZeroes(long offset, long length, boolean mayPunch, boolean fastOnly, boolean fua)
            throws IOException {
        zeroRange(offset, length, mayPunch);
    }

    /**
     * Frees the pages the range covers whole when {@code punch}, zeroes the rest. Without {@code punch} the
     * range ends up allocated, as fallocate(ZERO_RANGE) leaves a file.
     */
    private void zeroRange(long offset, long length, boolean punch) throws IOException {
        checkWritable();
        Objects.checkFromIndexSize(offset, length, sizeBytes);
        lock.writeLock().lock();
        try {
            long position = offset;
            long end = offset + length;
            while (position < end) {
                int inPage = inPage(position);
                int n = (int) Math.min(PAGE_BYTES - inPage, end - position);
                zeroInPage(pageIndex(position), inPage, n, punch, coversPage(position, n));
                position += n;
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** The last page may be short: reaching the end of the device counts as covering it. */
    private boolean coversPage(long position, int n) {
        return inPage(position) == 0 && (n == PAGE_BYTES || position + n == sizeBytes);
    }

    private void zeroInPage(int index, int inPage, int n, boolean punch, boolean wholePage) {
        if (pages[index] == null) {
            if (!punch) {
                allocate(index); // zero-filled already
            }
        } else if (punch && wholePage) {
            pages[index] = null;
        } else {
            Arrays.fill(pages[index], inPage, inPage + n, (byte) 0);
        }
    }

    private byte[] allocate(int index) {
        if (pages[index] == null) {
            pages[index] = new byte[PAGE_BYTES];
        }
        return pages[index];
    }

    @Override
    public void cache(long offset, long length) throws IOException {
        checkOpen();
        Objects.checkFromIndexSize(offset, length, sizeBytes);
    }

    /** Holes (null pages) are hole+zero, allocated pages data; neighbours of one kind are merged. */
    @Override
    public void blockStatus(long offset, long length, ExtentSink sink) throws IOException {
        checkOpen();
        Objects.checkFromIndexSize(offset, length, sizeBytes);
        long position = offset;
        long end = offset + length;
        while (position < end) {
            boolean hole;
            long extentEnd;
            lock.readLock().lock();
            try {
                hole = pages[pageIndex(position)] == null;
                extentEnd = endOfRun(position, end, hole);
            } finally {
                lock.readLock().unlock(); // the sink runs unlocked: it may call back into the device
            }
            if (!sink.extent(extentEnd - position, hole, hole)) {
                return;
            }
            position = extentEnd;
        }
    }

    private long endOfRun(long position, long end, boolean hole) {
        long next = (position / PAGE_BYTES + 1) * PAGE_BYTES;
        while (next < end && (pages[pageIndex(next)] == null) == hole) {
            next += PAGE_BYTES;
        }
        return Math.min(next, end);
    }

    @Override
    public void close() {
        closed = true;
    }

    private static int pageIndex(long position) {
        return (int) (position / PAGE_BYTES);
    }

    private static int inPage(long position) {
        return (int) (position % PAGE_BYTES);
    }

    private void checkOpen() throws IOException {
        if (closed) {
            throw new ClosedChannelException();
        }
    }

    private void checkWritable() throws IOException {
        checkOpen();
        if (readOnly) {
            throw new IOException("memory device is read-only");
        }
    }

    @Override
    public String toString() {
        return "MemoryBlockDevice[" + sizeBytes + " bytes" + (readOnly ? ", read-only" : "") + "]";
    }
}
