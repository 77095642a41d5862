package io.replicator.journal;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;

/**
 * One bit per region of the volume: set when the region may differ from the peer's copy, cleared when a
 * resync has sent it. Beyond the journal's retention this is what a resync sends. Persisted as a
 * memory-mapped file (a checked header, then the bits as little-endian longs); {@link #force()} msyncs it.
 * Bits change with atomic operations, so any thread may mark and clear; the dirty count is kept as bits
 * flip, so reading it is O(1).
 */
public final class DirtyBitmap implements Closeable {

    private static final long MAGIC = 0x50414D5954524944L; // "DIRTYMAP" little-endian
    private static final int VERSION = 1;
    /** The bits start on a page boundary: aligned for atomic long access. */
    private static final int HEADER_BYTES = 4096;
    private static final int HEADER_CRC_AT = 32;
    private static final VarHandle LONGS = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private final Path file; // null in memory
    private final FileChannel channel; // null in memory
    private final ByteBuffer buf;
    private final long volumeBytes;
    private final int regionBytes;
    private final int regionShift;
    private final long regions;
    private final long words;
    private final AtomicLong dirty = new AtomicLong();
    private final Runnable onForce; // in memory: what a simulation runs where a file would be msynced
    private volatile boolean closed;

    private DirtyBitmap(Path file, FileChannel channel, ByteBuffer buf, long volumeBytes, int regionBytes, Runnable onForce) {
        this.onForce = onForce;
        this.file = file;
        this.channel = channel;
        this.buf = buf;
        this.volumeBytes = volumeBytes;
        this.regionBytes = regionBytes;
        this.regionShift = Integer.numberOfTrailingZeros(regionBytes);
        this.regions = regionsOf(volumeBytes, regionBytes);
        this.words = (regions + 63) >>> 6;
    }

    /**
     * Opens the bitmap in {@code file}, creating it zeroed (all clean) if missing. The header must match:
     * a file made for another volume size or region size is refused, naming what differs.
     */
    public static DirtyBitmap open(Path file, long volumeBytes, int regionBytes) throws IOException {
        long fileBytes = fileBytes(volumeBytes, regionBytes);
        if (!Files.exists(file)) {
            create(file, volumeBytes, regionBytes, fileBytes);
        }
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            long size = ch.size();
            if (size < HEADER_BYTES) {
                throw new IOException("dirty bitmap " + file + ": size " + size + " (expected: " + fileBytes + "); not a dirty bitmap?");
            }
            MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_WRITE, 0, size);
            checkHeader(file, map, volumeBytes, regionBytes);
            if (size != fileBytes) {
                throw new IOException("dirty bitmap " + file + ": size " + size + " (expected: " + fileBytes + ")");
            }
            DirtyBitmap bitmap = new DirtyBitmap(file, ch, map, volumeBytes, regionBytes, null);
            bitmap.countAndCheckTail();
            return bitmap;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** A bitmap in memory, for the simulation; {@link #force()} does nothing. */
    public static DirtyBitmap inMemory(long volumeBytes, int regionBytes) {
        return inMemory(volumeBytes, regionBytes, () -> { });
    }

    /**
     * A bitmap in memory whose {@link #force()} runs {@code onForce}: the deterministic simulation learns
     * which bits a power loss keeps.
     */
    public static DirtyBitmap inMemory(long volumeBytes, int regionBytes, Runnable onForce) {
        long fileBytes = fileBytes(volumeBytes, regionBytes);
        ByteBuffer buf = ByteBuffer.allocateDirect((int) fileBytes); // direct: atomic long access needs it
        return new DirtyBitmap(null, null, buf, volumeBytes, regionBytes, onForce);
    }

    public int regionBytes() {
        return regionBytes;
    }

    public long regions() {
        return regions;
    }

    /** Sets the bits of every region the byte range touches. */
    public void mark(long offset, long length) {
        ensureOpen();
        if (offset < 0 || length < 0 || offset > volumeBytes - length) {
            throw new IllegalArgumentException("range offset " + offset + " length " + length
                    + " (expected: within the volume of " + volumeBytes + " bytes)");
        }
        if (length > 0) {
            setRange(offset >>> regionShift, (offset + length - 1) >>> regionShift);
        }
    }

    public void markAll() {
        ensureOpen();
        if (regions > 0) {
            setRange(0, regions - 1);
        }
    }

    public void clear(long region) {
        ensureOpen();
        checkRegion(region);
        long bit = 1L << region;
        long old = (long) LONGS.getAndBitwiseAnd(buf, wordAt(region >>> 6), ~bit);
        if ((old & bit) != 0) {
            dirty.decrementAndGet();
        }
    }

    public void clearAll() {
        ensureOpen();
        for (long w = 0; w < words; w++) {
            long old = (long) LONGS.getAndSet(buf, wordAt(w), 0L);
            if (old != 0) {
                dirty.addAndGet(-Long.bitCount(old));
            }
        }
    }

    /** The first dirty region at or after {@code fromRegion}, or -1 if none. */
    public long nextDirty(long fromRegion) {
        ensureOpen();
        if (fromRegion < 0) {
            throw new IllegalArgumentException("fromRegion: " + fromRegion + " (expected: >= 0)");
        }
        if (fromRegion >= regions) {
            return -1;
        }
        long w = fromRegion >>> 6;
        long word = (long) LONGS.getVolatile(buf, wordAt(w)) & (-1L << fromRegion);
        while (word == 0) {
            if (++w >= words) {
                return -1;
            }
            word = (long) LONGS.getVolatile(buf, wordAt(w));
        }
        long region = (w << 6) + Long.numberOfTrailingZeros(word);
        return region < regions ? region : -1;
    }

    public long dirtyRegions() {
        return dirty.get();
    }

    /** Dirty regions times the region size; the last region counts only its part inside the volume. */
    public long dirtyBytes() {
        long count = dirty.get();
        if (count == 0) {
            return 0;
        }
        long last = regions - 1;
        boolean lastDirty = ((long) LONGS.getVolatile(buf, wordAt(last >>> 6)) & (1L << last)) != 0;
        long lastRegionBytes = volumeBytes - (last << regionShift);
        return lastDirty ? (count - 1) * regionBytes + lastRegionBytes : count * regionBytes;
    }

    /** Writes the bits to disk (msync); in memory it only tells the simulation, if one watches. */
    public void force() throws IOException {
        ensureOpen();
        if (onForce != null) {
            onForce.run();
        }
        if (buf instanceof MappedByteBuffer map && channel != null) {
            try {
                map.force();
            } catch (UncheckedIOException e) {
                throw new IOException("dirty bitmap " + file + ": msync failed", e.getCause());
            }
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        if (channel != null) {
            channel.close();
        }
    }

    private void setRange(long first, long last) {
        for (long w = first >>> 6; w <= last >>> 6; w++) {
            long lo = w == first >>> 6 ? first & 63 : 0;
            long hi = w == last >>> 6 ? last & 63 : 63;
            long mask = (-1L >>> (63 - hi)) & (-1L << lo);
            long old = (long) LONGS.getAndBitwiseOr(buf, wordAt(w), mask);
            long added = Long.bitCount(mask & ~old);
            if (added != 0) {
                dirty.addAndGet(added);
            }
        }
    }

    private static int wordAt(long word) {
        return (int) (HEADER_BYTES + (word << 3));
    }

    private void checkRegion(long region) {
        if (region < 0 || region >= regions) {
            throw new IllegalArgumentException("region: " + region + " (expected: 0.." + (regions - 1) + ")");
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("dirty bitmap " + (file == null ? "(in memory)" : file) + " is closed");
        }
    }

    private void countAndCheckTail() throws IOException {
        long count = 0;
        for (long w = 0; w < words; w++) {
            count += Long.bitCount((long) LONGS.getVolatile(buf, wordAt(w)));
        }
        if (words > 0 && (regions & 63) != 0) {
            long tail = (long) LONGS.getVolatile(buf, wordAt(words - 1)) & (-1L << (regions & 63));
            if (tail != 0) {
                throw new IOException("dirty bitmap " + file + ": bits set beyond the last region " + (regions - 1) + " (file damaged)");
            }
        }
        dirty.set(count);
    }

    // --- the file ---

    private static long regionsOf(long volumeBytes, int regionBytes) {
        return (volumeBytes + regionBytes - 1) / regionBytes;
    }

    private static long fileBytes(long volumeBytes, int regionBytes) {
        if (regionBytes < 4096 || Integer.bitCount(regionBytes) != 1) {
            throw new IllegalArgumentException("regionBytes: " + regionBytes + " (expected: a power of two >= 4096)");
        }
        if (volumeBytes <= 0) {
            throw new IllegalArgumentException("volumeBytes: " + volumeBytes + " (expected: > 0)");
        }
        long bytes = HEADER_BYTES + ((regionsOf(volumeBytes, regionBytes) + 63) >>> 6) * 8;
        if (bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("dirty bitmap of " + bytes + " bytes for a volume of " + volumeBytes
                    + " bytes with " + regionBytes + "-byte regions (expected: <= " + Integer.MAX_VALUE + "; use larger regions)");
        }
        return bytes;
    }

    private static ByteBuffer header(long volumeBytes, int regionBytes) {
        ByteBuffer h = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        h.putLong(MAGIC).putInt(VERSION).putInt(regionBytes).putLong(volumeBytes).putLong(regionsOf(volumeBytes, regionBytes));
        CRC32C crc = new CRC32C();
        crc.update(h.array(), 0, HEADER_CRC_AT);
        h.putInt(HEADER_CRC_AT, (int) crc.getValue());
        return h.clear();
    }

    /** Creates the file whole (zeroed bits) under a temporary name, then renames it: never half a header. */
    private static void create(Path file, long volumeBytes, int regionBytes, long fileBytes) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer h = header(volumeBytes, regionBytes);
            while (h.hasRemaining()) {
                ch.write(h);
            }
            ch.write(ByteBuffer.allocate(1), fileBytes - 1); // the bits: a sparse, zeroed tail
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        Path parent = file.toAbsolutePath().getParent();
        try (FileChannel dir = FileChannel.open(parent, StandardOpenOption.READ)) {
            dir.force(true);
        }
    }

    private static void checkHeader(Path file, ByteBuffer map, long volumeBytes, int regionBytes) throws IOException {
        ByteBuffer h = map.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        long magic = h.getLong(0);
        if (magic != MAGIC) {
            throw new IOException("dirty bitmap " + file + ": magic 0x" + Long.toHexString(magic) + " (expected: 0x"
                    + Long.toHexString(MAGIC) + "); not a dirty bitmap?");
        }
        byte[] head = new byte[HEADER_CRC_AT];
        h.get(0, head);
        CRC32C crc = new CRC32C();
        crc.update(head);
        if (h.getInt(HEADER_CRC_AT) != (int) crc.getValue()) {
            throw new IOException("dirty bitmap " + file + ": header checksum mismatch (file damaged)");
        }
        int version = h.getInt(8);
        if (version != VERSION) {
            throw new IOException("dirty bitmap " + file + ": version " + version + " (expected: " + VERSION + ")");
        }
        int fileRegionBytes = h.getInt(12);
        if (fileRegionBytes != regionBytes) {
            throw new IOException("dirty bitmap " + file + ": region size " + fileRegionBytes + " (expected: " + regionBytes
                    + "); made with another region size");
        }
        long fileVolumeBytes = h.getLong(16);
        if (fileVolumeBytes != volumeBytes) {
            throw new IOException("dirty bitmap " + file + ": volume size " + fileVolumeBytes + " (expected: " + volumeBytes
                    + "); made for a volume of another size");
        }
    }
}
