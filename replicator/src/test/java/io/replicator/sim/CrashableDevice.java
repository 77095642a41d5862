package io.replicator.sim;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.replicator.nbd.device.BlockDevice;
import io.replicator.nbd.device.MemoryBlockDevice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.LongSupplier;

/**
 * A volume with a page cache, in the manner of FoundationDB's {@code AsyncFileNonDurable}: reads see
 * every write ({@link #current}); only what a {@link #flush} covered is on the platter ({@link #durable}).
 * A kill -9 loses nothing (the kernel keeps the page cache); a {@link #powerLoss} keeps the durable layer
 * plus a random subset of the 4 KiB blocks written since the last flush (each block whole: we model
 * 4 KiB atomic sectors, not 512-byte tears). Every mutation is shown first to a {@link Watcher} with the
 * caller the simulator declared, so that it can check who writes this disk and with what.
 */
final class CrashableDevice implements BlockDevice {

    /** Who is driving the core when it touches the disk (set by the simulator around each call). */
    enum Caller { NONE, CLIENT, STREAM, REDO }

    interface Watcher {
        /**
         * Blocks {@code firstBlock..firstBlock+ids.length-1} are about to hold the writes {@code ids}
         * (0: zeroes; {@link BlockData#CORRUPT}: data that no write produced for that block).
         */
        void mutating(Caller caller, int firstBlock, long[] ids);
    }

    /** An unflushed mutation; {@code journalSeq}: the journal's last seq when it was made. */
    private record Op(long offset, long length, byte[] data, boolean punch, long journalSeq) {
    }

    private final long sizeBytes;
    private final Watcher watcher;
    private final LongSupplier journalSeq;
    private MemoryBlockDevice current;
    private MemoryBlockDevice durable;
    private final List<Op> pending = new ArrayList<>();
    private final ByteBuffer readBuffer = ByteBuffer.allocate(BlockData.BLOCK_BYTES);
    private Caller caller = Caller.NONE;
    private int failNext;
    private long mutations;

    CrashableDevice(long sizeBytes, Watcher watcher, LongSupplier journalSeq) {
        if (sizeBytes % BlockData.BLOCK_BYTES != 0) {
            throw new IllegalArgumentException("sizeBytes: " + sizeBytes + " (expected: a multiple of " + BlockData.BLOCK_BYTES + ")");
        }
        this.sizeBytes = sizeBytes;
        this.watcher = watcher;
        this.journalSeq = journalSeq;
        this.current = new MemoryBlockDevice(sizeBytes);
        this.durable = new MemoryBlockDevice(sizeBytes);
    }

    /** Declares who drives the next calls; returns the previous caller, to restore. */
    Caller enter(Caller c) {
        Caller old = caller;
        caller = c;
        return old;
    }

    /** The next {@code n} mutations or flushes fail with an I/O error (and change nothing). */
    void failNext(int n) {
        failNext = n;
    }

    long mutations() {
        return mutations;
    }

    int blocks() {
        return (int) (sizeBytes / BlockData.BLOCK_BYTES);
    }

    boolean hasUnflushed() {
        return !pending.isEmpty();
    }

    /** The write held by {@code block} in the page cache ({@code durableLayer} false) or on the platter. */
    long idAt(int block, boolean durableLayer) throws IOException {
        ByteBuffer b = readBuffer.clear();
        (durableLayer ? durable : current).read((long) block * BlockData.BLOCK_BYTES, b);
        b.flip();
        return BlockData.quickIdOf(b, block); // every write was checked whole on its way in
    }

    /** The first byte offset at which the two page caches differ, or -1. */
    long firstDifference(CrashableDevice other) throws IOException {
        int chunk = MemoryBlockDevice.PAGE_BYTES;
        ByteBuffer a = ByteBuffer.allocate(chunk);
        ByteBuffer b = ByteBuffer.allocate(chunk);
        for (long off = 0; off < sizeBytes; off += chunk) {
            int len = (int) Math.min(chunk, sizeBytes - off);
            a.clear().limit(len);
            b.clear().limit(len);
            current.read(off, a);
            other.current.read(off, b);
            int at = a.flip().mismatch(b.flip());
            if (at >= 0) {
                return off + at;
            }
        }
        return -1;
    }

    /**
     * Power is cut: unflushed blocks survive or not, at random; the page cache is gone. With
     * {@code journalKeptSeq} >= 0, no block survives whose write came after the last journal entry
     * that survived (the journal's page reached the disk first: write-ahead order).
     */
    void powerLoss(SplittableRandom random, long journalKeptSeq) throws IOException {
        for (Op op : pending) {
            if (journalKeptSeq >= 0 && op.journalSeq > journalKeptSeq) {
                continue;
            }
            for (long off = op.offset; off < op.offset + op.length; off += BlockData.BLOCK_BYTES) {
                if (random.nextBoolean()) {
                    applyBlock(op, off, durable);
                }
            }
        }
        pending.clear();
        current = copy(durable);
    }

    // ------------------------------------------------------------------ BlockDevice

    @Override
    public long sizeBytes() {
        return sizeBytes;
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        current.read(offset, dst);
    }

    @Override
    public void write(long offset, ByteBuf data, boolean fua) throws IOException {
        int length = data.readableBytes();
        int first = checkAligned(offset, length);
        long[] ids = new long[length / BlockData.BLOCK_BYTES];
        ByteBuffer content = data.nioBuffer();
        for (int i = 0; i < ids.length; i++) {
            content.position(i * BlockData.BLOCK_BYTES);
            ids[i] = BlockData.idOf(content, first + i);
        }
        mutate(first, ids);
        byte[] copy = new byte[length];
        data.getBytes(data.readerIndex(), copy);
        current.write(offset, data, false);
        pending.add(new Op(offset, length, copy, false, journalSeq.getAsLong()));
        if (fua) {
            flushPending();
        }
    }

    @Override
    public void flush() throws IOException {
        injectedError("flush");
        flushPending();
    }

    @Override
    public void trim(long offset, long length, boolean fua) throws IOException {
        zero(offset, length, true, fua);
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayPunch, boolean fastOnly, boolean fua) throws IOException {
        zero(offset, length, mayPunch, fua);
    }

    @Override
    public void cache(long offset, long length) throws IOException {
        current.cache(offset, length);
    }

    @Override
    public void blockStatus(long offset, long length, ExtentSink sink) throws IOException {
        current.blockStatus(offset, length, sink);
    }

    @Override
    public void close() {
        // the simulator owns both layers for the whole run
    }

    // ------------------------------------------------------------------ internals

    private void zero(long offset, long length, boolean punch, boolean fua) throws IOException {
        int first = checkAligned(offset, length);
        mutate(first, new long[(int) (length / BlockData.BLOCK_BYTES)]);
        current.writeZeroes(offset, length, punch, false, false);
        pending.add(new Op(offset, length, null, punch, journalSeq.getAsLong()));
        if (fua) {
            flushPending();
        }
    }

    private void mutate(int firstBlock, long[] ids) throws IOException {
        injectedError("write at block " + firstBlock);
        watcher.mutating(caller, firstBlock, ids);
        mutations++;
    }

    private void injectedError(String what) throws IOException {
        if (failNext > 0) {
            failNext--;
            throw new IOException("injected I/O error (" + what + ")");
        }
    }

    private int checkAligned(long offset, long length) {
        if (offset % BlockData.BLOCK_BYTES != 0 || length % BlockData.BLOCK_BYTES != 0 || offset < 0 || offset + length > sizeBytes) {
            throw new IllegalArgumentException("range " + offset + "+" + length + " (expected: whole "
                    + BlockData.BLOCK_BYTES + "-byte blocks inside " + sizeBytes + " bytes)");
        }
        return (int) (offset / BlockData.BLOCK_BYTES);
    }

    private void flushPending() throws IOException {
        for (Op op : pending) {
            if (op.data != null) {
                durable.write(op.offset, Unpooled.wrappedBuffer(op.data), false);
            } else {
                durable.writeZeroes(op.offset, op.length, op.punch, false, false);
            }
        }
        pending.clear();
    }

    private static void applyBlock(Op op, long off, MemoryBlockDevice to) throws IOException {
        if (op.data != null) {
            to.write(off, Unpooled.wrappedBuffer(op.data, (int) (off - op.offset), BlockData.BLOCK_BYTES), false);
        } else {
            to.writeZeroes(off, BlockData.BLOCK_BYTES, op.punch, false, false);
        }
    }

    private static MemoryBlockDevice copy(MemoryBlockDevice src) throws IOException {
        long size = src.sizeBytes();
        MemoryBlockDevice copy = new MemoryBlockDevice(size);
        int chunk = MemoryBlockDevice.PAGE_BYTES;
        ByteBuffer page = ByteBuffer.allocate(chunk);
        for (long off = 0; off < size; off += chunk) {
            int len = (int) Math.min(chunk, size - off);
            boolean[] hole = {false};
            src.blockStatus(off, len, (extent, isHole, zero) -> {
                hole[0] = isHole && extent >= len;
                return false;
            });
            if (!hole[0]) {
                page.clear().limit(len);
                src.read(off, page);
                copy.write(off, Unpooled.wrappedBuffer(page.flip()), false);
            }
        }
        return copy;
    }
}
