package io.replicator.e2e.pair;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The writes fio saw acknowledged, from its completion-latency log ({@code --write_lat_log=NAME
 * --log_offset=1}: one line per successful I/O, "msec, nsec, ddir, bytes, offset, prio"), and the check
 * that each one is on a disk image as the writer's own disk had it.
 *
 * <p>Why not only fio's {@code verify_state_load}: at iodepth 16 with the nbd engine, fio 3.33 reports
 * blocks that never completed as bad (it replays the write order, but completions come out of order),
 * even against nbdkit; at iodepth 1 it is exact. The log lists exactly the completed writes.
 */
final class AcknowledgedWrites {

    /** fio's verify header: u16 magic 0xacca, u16 type, u32 length, u64 seed, u64 offset (little-endian). */
    private static final int FIO_MAGIC = 0xacca;
    private static final int FIO_OFFSET_AT = 16;
    private static final int DDIR_WRITE = 1;

    private AcknowledgedWrites() {}

    /** (offset, length) of every write in {@code clatLog}, in completion order. */
    static List<long[]> read(Path clatLog) {
        List<long[]> writes = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(clatLog)) {
                String[] f = line.split(",\\s*");
                if (f.length >= 5 && Integer.parseInt(f[2].trim()) == DDIR_WRITE) {
                    writes.add(new long[] {Long.parseLong(f[4].trim()), Long.parseLong(f[3].trim())});
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read fio's completion log " + clatLog, e);
        }
        return writes;
    }

    /**
     * Asserts that each write's block in {@code actual} carries fio's header for that offset and holds the
     * same bytes as in {@code reference} (the disk of the node that acknowledged it).
     */
    static void assertPresent(List<long[]> writes, Path reference, Path actual) {
        int missing = 0;
        StringBuilder examples = new StringBuilder();
        try (RandomAccessFile ref = new RandomAccessFile(reference.toFile(), "r");
                RandomAccessFile act = new RandomAccessFile(actual.toFile(), "r")) {
            for (long[] write : writes) {
                byte[] expected = block(ref, write);
                byte[] found = block(act, write);
                if (!isFioBlock(expected, write[0]) || !Arrays.equals(expected, found)) {
                    if (missing++ < 8) {
                        examples.append(String.format("%n  offset %d (%d bytes): %s", write[0], write[1],
                                !isFioBlock(expected, write[0]) ? "not fio's block on " + reference.getFileName()
                                        : isFioBlock(found, write[0]) ? "differs" : "absent"));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (missing > 0) {
            fail(missing + " of " + writes.size() + " acknowledged writes are not on " + actual + " as on " + reference + ":" + examples);
        }
    }

    private static byte[] block(RandomAccessFile file, long[] write) throws IOException {
        byte[] bytes = new byte[(int) write[1]];
        file.seek(write[0]);
        file.readFully(bytes);
        return bytes;
    }

    private static boolean isFioBlock(byte[] block, long offset) {
        ByteBuffer header = ByteBuffer.wrap(block).order(ByteOrder.LITTLE_ENDIAN);
        return block.length > FIO_OFFSET_AT + 8 && (header.getShort(0) & 0xffff) == FIO_MAGIC && header.getLong(FIO_OFFSET_AT) == offset;
    }
}
