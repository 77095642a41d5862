package io.replicator.journal;

import io.netty.buffer.ByteBuf;
import io.replicator.nbd.device.BlockDevice;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The backing disk seen through the {@link ActivityLog}: every write, trim and write-zeroes first makes
 * its extents hot, whoever issues it (client writes, the Secondary's applier, a resync, a journal redo);
 * one larger than the log takes at once goes in pieces (a trim of the whole volume, say).
 * Reads and the rest pass straight through. Closing it closes the disk, not the log.
 */
public final class ActivityLogDevice implements BlockDevice {

    private final BlockDevice disk;
    private final ActivityLog log;

    public ActivityLogDevice(BlockDevice disk, ActivityLog log) {
        this.disk = disk;
        this.log = log;
    }

    @Override
    public long sizeBytes() {
        return disk.sizeBytes();
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        disk.read(offset, dst);
    }

    @Override
    public void write(long offset, ByteBuf data, boolean fua) throws IOException {
        int length = data.readableBytes();
        for (long at = offset; at < offset + length; ) {
            long piece = pieceLength(at, offset + length);
            ByteBuf slice = piece == length ? data : data.slice(data.readerIndex() + (int) (at - offset), (int) piece);
            log.begin(at, piece);
            try {
                disk.write(at, slice, fua);
            } finally {
                log.end(at, piece);
            }
            at += piece;
        }
    }

    @Override
    public void flush() throws IOException {
        disk.flush();
    }

    @Override
    public void trim(long offset, long length, boolean fua) throws IOException {
        for (long at = offset; at < offset + length; ) {
            long piece = pieceLength(at, offset + length);
            log.begin(at, piece);
            try {
                disk.trim(at, piece, fua);
            } finally {
                log.end(at, piece);
            }
            at += piece;
        }
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayPunch, boolean fastOnly, boolean fua) throws IOException {
        for (long at = offset; at < offset + length; ) {
            long piece = pieceLength(at, offset + length);
            log.begin(at, piece);
            try {
                disk.writeZeroes(at, piece, mayPunch, fastOnly, fua);
            } finally {
                log.end(at, piece);
            }
            at += piece;
        }
    }

    /**
     * The next piece of a request from {@code at} to {@code end}: up to the log's limit of extents per call
     * (DRBD splits large discards the same way), ending on an extent boundary unless the request ends first.
     */
    private long pieceLength(long at, long end) {
        long limit = (at & -log.extentBytes()) + log.maxExtentsPerCall() * log.extentBytes();
        return Math.min(end, limit) - at;
    }

    @Override
    public void cache(long offset, long length) throws IOException {
        disk.cache(offset, length);
    }

    @Override
    public void blockStatus(long offset, long length, ExtentSink sink) throws IOException {
        disk.blockStatus(offset, length, sink);
    }

    @Override
    public boolean isReadOnly() {
        return disk.isReadOnly();
    }

    @Override
    public boolean canTrim() {
        return disk.canTrim();
    }

    @Override
    public boolean canFastZero() {
        return disk.canFastZero();
    }

    @Override
    public boolean canMultiConn() {
        return disk.canMultiConn();
    }

    @Override
    public boolean isRotational() {
        return disk.isRotational();
    }

    @Override
    public void close() throws IOException {
        disk.close();
    }
}
