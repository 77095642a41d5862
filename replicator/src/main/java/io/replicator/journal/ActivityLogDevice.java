package io.replicator.journal;

import io.netty.buffer.ByteBuf;
import io.replicator.nbd.device.BlockDevice;
import io.replicator.nbd.device.ForwardingBlockDevice;
import java.io.IOException;

/**
 * The backing disk seen through the {@link ActivityLog}: every write, trim and write-zeroes first makes
 * its extents hot, whoever issues it (client writes, the Secondary's applier, a resync, a journal redo);
 * one larger than the log takes at once goes in pieces (a trim of the whole volume, say).
 * Reads and the rest pass straight through. Closing it closes the disk, not the log.
 */
public final class ActivityLogDevice extends ForwardingBlockDevice {

    private final ActivityLog log;

    public ActivityLogDevice(BlockDevice disk, ActivityLog log) {
        super(disk);
        this.log = log;
    }

    /** A change of the disk from {@code at}, {@code length} bytes: one piece of a request. */
    @FunctionalInterface
    private interface Change {
        void apply(long at, long length) throws IOException;
    }

    /** The write path: no lambda here, and the caller's buffer itself when it is one piece (the usual case). */
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
    public void trim(long offset, long length, boolean fua) throws IOException {
        inPieces(offset, length, (at, piece) -> disk.trim(at, piece, fua));
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayPunch, boolean fastOnly, boolean fua) throws IOException {
        inPieces(offset, length, (at, piece) -> disk.writeZeroes(at, piece, mayPunch, fastOnly, fua));
    }

    private void inPieces(long offset, long length, Change change) throws IOException {
        for (long at = offset; at < offset + length; ) {
            long piece = pieceLength(at, offset + length);
            log.begin(at, piece);
            try {
                change.apply(at, piece);
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
}
