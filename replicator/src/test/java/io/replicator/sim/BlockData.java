package io.replicator.sim;

import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * What the simulated clients write: every 4 KiB block names the write it belongs to and its own block
 * index, and the rest of it is a pattern derived from both. Reading a block back tells which write it
 * holds (0 for zeroes), and a block that is neither zeroes nor a whole, well-placed block of one write
 * (torn, shifted, mixed) is recognised as corrupt.
 */
final class BlockData {
    static final int BLOCK_BYTES = 4096;
    /** {@link #idOf} of a block that no write produced. */
    static final long CORRUPT = -1;
    private static final int LONGS = BLOCK_BYTES / 8;

    private BlockData() {
    }

    /** Appends the content of {@code block} as written by write {@code writeId} (>= 1). */
    static void fill(ByteBuf buf, long writeId, int block) {
        buf.writeLongLE(writeId);
        buf.writeLongLE(block);
        for (int i = 2; i < LONGS; i++) {
            buf.writeLongLE(pattern(writeId, block, i));
        }
    }

    /** The write whose content {@code data} (one block, read at index {@code block}) holds; 0 for zeroes. */
    static long idOf(ByteBuffer data, int block) {
        ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int base = b.position();
        long id = b.getLong(base);
        long index = b.getLong(base + 8);
        if (id == 0 && index == 0) {
            for (int i = 2; i < LONGS; i++) {
                if (b.getLong(base + 8 * i) != 0) {
                    return CORRUPT;
                }
            }
            return 0;
        }
        if (id < 1 || index != block) {
            return CORRUPT;
        }
        for (int i = 2; i < LONGS; i++) {
            if (b.getLong(base + 8 * i) != pattern(id, block, i)) {
                return CORRUPT;
            }
        }
        return id;
    }

    /**
     * As {@link #idOf}, checking the header and a few pattern words only: for reading back blocks the
     * simulator's own device stored whole (a misplaced block still fails on its index).
     */
    static long quickIdOf(ByteBuffer data, int block) {
        ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int base = b.position();
        long id = b.getLong(base);
        long index = b.getLong(base + 8);
        int[] probes = {2, LONGS / 2, LONGS - 1};
        if (id == 0 && index == 0) {
            for (int i : probes) {
                if (b.getLong(base + 8 * i) != 0) {
                    return CORRUPT;
                }
            }
            return 0;
        }
        if (id < 1 || index != block) {
            return CORRUPT;
        }
        for (int i : probes) {
            if (b.getLong(base + 8 * i) != pattern(id, block, i)) {
                return CORRUPT;
            }
        }
        return id;
    }

    /** The write id in a block about to be written (from its header only: the device checks placement). */
    static long headerId(ByteBuf data, int indexInData) {
        return data.getLongLE(data.readerIndex() + indexInData * BLOCK_BYTES);
    }

    private static long pattern(long writeId, int block, int i) {
        long x = writeId * 0x9E3779B97F4A7C15L + block * 0xC2B2AE3D27D4EB4FL + i;
        x ^= x >>> 31;
        x *= 0xBF58476D1CE4E5B9L;
        return x ^ (x >>> 29);
    }
}
