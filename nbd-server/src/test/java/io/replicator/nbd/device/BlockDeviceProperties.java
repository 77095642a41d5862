package io.replicator.nbd.device;

import static io.replicator.nbd.device.Devices.checkExtents;
import static io.replicator.nbd.device.Devices.extents;
import static io.replicator.nbd.device.Devices.isZero;
import static io.replicator.nbd.device.Devices.randomBytes;
import static io.replicator.nbd.device.Devices.read;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.arbitrary;
import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import io.netty.buffer.Unpooled;
import io.replicator.nbd.device.BlockDevice.FastZeroUnsupportedException;
import io.replicator.nbd.device.Devices.Extent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.quicktheories.core.Gen;

/**
 * Random operation sequences against a plain byte[] model: every read must match it, and every block
 * status answer must cover the range and never call data a hole. A failure prints "Seed was N":
 * replay it with {@code -DQT_SEED=N}.
 */
class BlockDeviceProperties {

    private static final int SIZE = 1 << 20;
    private static final int PAGE = MemoryBlockDevice.PAGE_BYTES;

    enum Kind { WRITE, TRIM, ZERO, ZERO_MAY_PUNCH, READ, BLOCK_STATUS }

    /** {@code flag}: fua for writes and trims, fastOnly for zeroes. */
    record Op(Kind kind, int offset, int length, boolean flag) {}

    @TempDir
    Path dir;

    private int files;

    @Test
    void memoryDeviceBehavesLikeAByteArray() {
        qt().withExamples(300).forAll(operations()).checkAssert(ops -> runOn(new MemoryBlockDevice(SIZE), ops));
    }

    @Test
    void fileDeviceBehavesLikeAByteArray() {
        qt().withExamples(150).forAll(operations()).checkAssert(ops -> {
            Path path = dir.resolve("vol-" + files++);
            try (FileBlockDevice device = FileBlockDevice.create(path, SIZE)) {
                runOn(device, ops);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                delete(path);
            }
        });
    }

    private static Gen<List<Op>> operations() {
        Gen<Integer> anywhere = integers().between(0, SIZE - 1);
        Gen<Integer> nearPageEdge = integers().between(0, SIZE / PAGE).zip(integers().between(-300, 300),
                (page, delta) -> Math.max(0, Math.min(SIZE - 1, page * PAGE + delta)));
        Gen<Integer> offsets = anywhere.mix(nearPageEdge);
        Gen<Integer> lengths = integers().between(1, 600).mix(integers().between(1, 3 * PAGE));
        Gen<Op> op = arbitrary().enumValues(Kind.class).zip(offsets, lengths, booleans().all(),
                (kind, offset, length, flag) -> new Op(kind, offset, Math.min(length, SIZE - offset), flag));
        return lists().of(op).ofSizeBetween(1, 60);
    }

    private static void runOn(BlockDevice device, List<Op> ops) {
        byte[] model = new byte[SIZE];
        try {
            for (int i = 0; i < ops.size(); i++) {
                apply(device, model, ops.get(i), i);
            }
            assertArrayEquals(model, read(device, 0, SIZE), "whole device after all operations");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void apply(BlockDevice device, byte[] model, Op op, int step) throws IOException {
        int from = op.offset();
        int to = op.offset() + op.length();
        switch (op.kind()) {
            case WRITE -> {
                byte[] data = randomBytes(step * 31L + from, op.length());
                device.write(from, Unpooled.wrappedBuffer(data), op.flag());
                System.arraycopy(data, 0, model, from, data.length);
            }
            case TRIM -> {
                device.trim(from, op.length(), op.flag());
                Arrays.fill(model, from, to, (byte) 0);
            }
            case ZERO, ZERO_MAY_PUNCH -> {
                if (zero(device, op)) {
                    Arrays.fill(model, from, to, (byte) 0);
                }
            }
            case READ -> assertArrayEquals(Arrays.copyOfRange(model, from, to), read(device, from, op.length()),
                    () -> "read at step " + step + ": " + op);
            case BLOCK_STATUS -> checkBlockStatus(device, model, from, op.length());
        }
    }

    /** @return whether the range was zeroed; only a fast-only request may be refused */
    private static boolean zero(BlockDevice device, Op op) throws IOException {
        try {
            device.writeZeroes(op.offset(), op.length(), op.kind() == Kind.ZERO_MAY_PUNCH, op.flag(), false);
            return true;
        } catch (FastZeroUnsupportedException e) {
            assertTrue(op.flag(), "refused a zero that was not fast-only: " + op);
            return false;
        }
    }

    private static void checkBlockStatus(BlockDevice device, byte[] model, int from, int length)
            throws IOException {
        List<Extent> extents = extents(device, from, length);
        checkExtents(device, from, length, extents);
        for (Extent e : extents) {
            if (e.zero()) {
                int start = Math.toIntExact(e.offset());
                assertTrue(isZero(Arrays.copyOfRange(model, start, Math.toIntExact(e.end()))),
                        () -> "extent " + e + " reported zero, but the model holds data there");
            }
        }
    }

    private static void delete(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
