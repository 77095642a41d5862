package io.replicator.nbd.device;

import static io.replicator.nbd.device.Devices.checkExtents;
import static io.replicator.nbd.device.Devices.extents;
import static io.replicator.nbd.device.Devices.isZero;
import static io.replicator.nbd.device.Devices.randomBytes;
import static io.replicator.nbd.device.Devices.read;
import static io.replicator.nbd.device.Devices.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.replicator.nbd.device.BlockDevice.FastZeroUnsupportedException;
import io.replicator.nbd.device.Devices.Extent;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileBlockDeviceTest {

    private static final int MIB = 1 << 20;
    private static final int KIB = 1 << 10;

    @TempDir
    Path dir;

    @Test
    void createMakesSparseFileThatReadsZero() throws IOException {
        Path path = dir.resolve("vol");
        try (FileBlockDevice device = FileBlockDevice.create(path, 4 * MIB)) {
            assertEquals(4 * MIB, device.sizeBytes());
            assertEquals(4 * MIB, Files.size(path));
            assertFalse(device.isBlockDevice());
            assertTrue(isZero(read(device, 0, 4 * MIB)));
            assertEquals(List.of(new Extent(0, 4 * MIB, true, true)), extents(device, 0, 4 * MIB));
        }
    }

    @Test
    void writesReadBackAtUnalignedOffsets() throws IOException {
        try (FileBlockDevice device = FileBlockDevice.create(dir.resolve("vol"), 4 * MIB)) {
            byte[] data = randomBytes(1, 300_001);
            write(device, 12_345, data);
            assertArrayEquals(data, read(device, 12_345, data.length));
            assertTrue(isZero(read(device, 0, 12_345)));
            assertTrue(isZero(read(device, 12_345 + data.length, 1000)));
        }
    }

    @Test
    void compositeByteBufIsWrittenWhole() throws IOException {
        byte[] a = randomBytes(2, 5000);
        byte[] b = randomBytes(3, 70_000);
        CompositeByteBuf composite = Unpooled.compositeBuffer();
        ByteBuf direct = Unpooled.directBuffer(b.length).writeBytes(b);
        composite.addComponents(true, Unpooled.wrappedBuffer(a), direct);
        composite.skipBytes(100); // the payload starts past the reader index, as after a header
        try (FileBlockDevice device = FileBlockDevice.create(dir.resolve("vol"), MIB)) {
            device.write(1000, composite, true);
            byte[] expected = new byte[a.length + b.length - 100];
            System.arraycopy(a, 100, expected, 0, a.length - 100);
            System.arraycopy(b, 0, expected, a.length - 100, b.length);
            assertArrayEquals(expected, read(device, 1000, expected.length));
        } finally {
            composite.release();
        }
    }

    @Test
    void fuaWriteAndFlushSurviveReopen() throws IOException {
        Path path = dir.resolve("vol");
        byte[] data = randomBytes(4, 8192);
        try (FileBlockDevice device = FileBlockDevice.create(path, MIB)) {
            device.write(4096, Unpooled.wrappedBuffer(data), true);
            write(device, 100_000, data);
            device.flush();
            device.cache(0, MIB);
        }
        try (FileBlockDevice device = FileBlockDevice.open(path, true)) {
            assertTrue(device.isReadOnly());
            assertArrayEquals(data, read(device, 4096, data.length));
            assertArrayEquals(data, read(device, 100_000, data.length));
        }
    }

    @Test
    void trimPunchesAHoleThatReadsZero() throws IOException {
        try (FileBlockDevice device = FileBlockDevice.create(dir.resolve("vol"), 2 * MIB)) {
            write(device, 0, randomBytes(5, MIB));
            device.trim(256 * KIB, 256 * KIB, true);
            assertEquals(List.of(
                    new Extent(0, 256 * KIB, false, false),
                    new Extent(256 * KIB, 256 * KIB, true, true),
                    new Extent(512 * KIB, 512 * KIB, false, false),
                    new Extent(MIB, MIB, true, true)), extents(device, 0, 2 * MIB));
            assertTrue(isZero(read(device, 256 * KIB, 256 * KIB)));
        }
    }

    @Test
    void unalignedTrimZeroesExactlyTheRange() throws IOException {
        try (FileBlockDevice device = FileBlockDevice.create(dir.resolve("vol"), MIB)) {
            byte[] data = randomBytes(6, 100_000);
            write(device, 0, data);
            device.trim(1001, 50_003, false);
            byte[] expected = data.clone();
            Arrays.fill(expected, 1001, 51_004, (byte) 0);
            assertArrayEquals(expected, read(device, 0, data.length));
            checkExtents(device, 0, MIB, extents(device, 0, MIB));
        }
    }

    @Test
    void writeZeroesInBothModesReadsZero() throws IOException {
        try (FileBlockDevice device = FileBlockDevice.create(dir.resolve("vol"), MIB)) {
            write(device, 0, randomBytes(7, MIB));
            device.writeZeroes(0, 128 * KIB, true, true, false);
            device.writeZeroes(512 * KIB, 128 * KIB, false, true, true);
            device.writeZeroes(900_001, 3, false, false, false);
            assertTrue(isZero(read(device, 0, 128 * KIB)));
            assertTrue(isZero(read(device, 512 * KIB, 128 * KIB)));
            assertTrue(isZero(read(device, 900_001, 3)));
            assertFalse(isZero(read(device, 128 * KIB, 1)));
            assertEquals(new Extent(0, 128 * KIB, true, true), extents(device, 0, MIB).get(0));
            checkExtents(device, 0, MIB, extents(device, 0, MIB));
        }
    }

    /** tmpfs punches holes but has no FALLOC_FL_ZERO_RANGE: a fast zero that may not punch must fail. */
    @Test
    void fastZeroWithoutPunchFailsOnTmpfs() throws IOException {
        Path shm = Files.createTempDirectory(Path.of("/dev/shm"), "device-test");
        Path path = shm.resolve("vol");
        assertEquals("tmpfs", Files.getFileStore(shm).type());
        try (FileBlockDevice device = FileBlockDevice.create(path, MIB)) {
            byte[] data = randomBytes(8, MIB);
            write(device, 0, data);
            FastZeroUnsupportedException e = assertThrows(FastZeroUnsupportedException.class,
                    () -> device.writeZeroes(0, 64 * KIB, false, true, false));
            assertTrue(e.getMessage().contains(path.toString()), e.getMessage());
            assertArrayEquals(data, read(device, 0, MIB), "a refused fast zero must leave the data alone");

            device.writeZeroes(0, 64 * KIB, true, true, false); // punching is fast on tmpfs
            device.writeZeroes(64 * KIB, 64 * KIB, false, false, false); // written out slowly
            device.trim(200 * KIB, 64 * KIB, false);
            assertTrue(isZero(read(device, 0, 128 * KIB)));
            assertTrue(isZero(read(device, 200 * KIB, 64 * KIB)));
            List<Extent> extents = extents(device, 0, MIB);
            assertEquals(new Extent(0, 64 * KIB, true, true), extents.get(0));
            assertEquals(new Extent(64 * KIB, 136 * KIB, false, false), extents.get(1));
            checkExtents(device, 0, MIB, extents);
        } finally {
            Files.deleteIfExists(path);
            Files.delete(shm);
        }
    }

    @Test
    void secondOpenOfTheSameVolumeIsRefusedUntilTheFirstCloses() throws IOException {
        Path path = dir.resolve("vol");
        try (FileBlockDevice first = FileBlockDevice.create(path, MIB)) {
            IOException e = assertThrows(IOException.class, () -> FileBlockDevice.open(path, true));
            assertTrue(e.getMessage().contains("volume " + path + " is in use by another process"),
                    e.getMessage());
            assertThrows(IOException.class, () -> FileBlockDevice.create(path, MIB));
            write(first, 0, randomBytes(9, 10)); // the refused opens did not disturb the first
        }
        FileBlockDevice.open(path, false).close();
    }

    @Test
    void existingVolumeOfAnotherSizeIsRefused() throws IOException {
        Path path = dir.resolve("vol");
        FileBlockDevice.create(path, 4 * MIB).close();
        IOException e = assertThrows(IOException.class, () -> FileBlockDevice.create(path, 8 * MIB));
        assertTrue(e.getMessage().contains("4194304") && e.getMessage().contains("8388608"), e.getMessage());
        assertEquals(4 * MIB, Files.size(path), "the refused create must not resize the file");
        FileBlockDevice.create(path, 4 * MIB).close(); // the lock was released after the refusal
    }

    @Test
    void emptyFileLeftByACrashIsSized() throws IOException {
        Path path = Files.createFile(dir.resolve("vol"));
        try (FileBlockDevice device = FileBlockDevice.create(path, MIB)) {
            assertEquals(MIB, device.sizeBytes());
        }
    }

    @Test
    void openOfAMissingFileFails() {
        assertThrows(NoSuchFileException.class, () -> FileBlockDevice.open(dir.resolve("missing"), false));
    }

    @Test
    void neitherFileNorBlockDeviceIsRefused() {
        IOException e = assertThrows(IOException.class, () -> FileBlockDevice.open(Path.of("/dev/null"), true));
        assertTrue(e.getMessage().contains("neither a regular file nor a block device"), e.getMessage());
    }

    @Test
    void readOnlyVolumeRefusesChanges() throws IOException {
        Path path = dir.resolve("vol");
        FileBlockDevice.create(path, MIB).close();
        try (FileBlockDevice device = FileBlockDevice.open(path, true)) {
            assertThrows(IOException.class, () -> write(device, 0, new byte[] {1}));
            assertThrows(IOException.class, () -> device.trim(0, 4096, false));
            assertThrows(IOException.class, () -> device.writeZeroes(0, 4096, true, false, false));
        }
    }

    @Test
    void readPastTheEndOfAShortenedFileFillsZeroes() throws IOException {
        Path path = dir.resolve("vol");
        try (FileBlockDevice device = FileBlockDevice.create(path, MIB)) {
            byte[] data = randomBytes(10, 200_000);
            write(device, 0, data);
            try (FileChannel other = FileChannel.open(path, StandardOpenOption.WRITE)) {
                other.truncate(100_000); // behind the device's back
            }
            byte[] got = read(device, 50_000, 300_000);
            assertArrayEquals(Arrays.copyOfRange(data, 50_000, 100_000),
                    Arrays.copyOf(got, 50_000));
            assertTrue(isZero(Arrays.copyOfRange(got, 50_000, got.length)));
            assertTrue(isZero(read(device, 500_000, 1000)));
            checkExtents(device, 0, MIB, extents(device, 0, MIB));
        }
    }

    @Test
    void blockStatusStopsWhenTheSinkSaysSo() throws IOException {
        try (FileBlockDevice device = FileBlockDevice.create(dir.resolve("vol"), MIB)) {
            write(device, 256 * KIB, randomBytes(11, 4096));
            int[] calls = {0};
            device.blockStatus(0, MIB, (length, hole, zero) -> ++calls[0] < 1);
            assertEquals(1, calls[0]);
        }
    }

    @Test
    void operationsAfterCloseFail() throws IOException {
        FileBlockDevice device = FileBlockDevice.create(dir.resolve("vol"), MIB);
        device.close();
        device.close();
        assertThrows(ClosedChannelException.class, device::flush);
        assertThrows(ClosedChannelException.class, () -> device.trim(0, 4096, false));
        assertThrows(ClosedChannelException.class, () -> read(device, 0, 10));
    }

    @Test
    void loopDeviceIsSizedByIoctlAndServesData() throws Exception {
        Path backing = dir.resolve("backing");
        byte[] initial = randomBytes(12, 8 * MIB);
        Files.write(backing, initial);
        String loop = run("losetup", "-f", "--show", backing.toString()).trim();
        try (FileBlockDevice device = FileBlockDevice.open(Path.of(loop), false)) {
            assertTrue(device.isBlockDevice());
            assertEquals(8 * MIB, device.sizeBytes());
            assertArrayEquals(Arrays.copyOf(initial, 4096), read(device, 0, 4096));

            byte[] data = randomBytes(13, 100_000);
            device.write(MIB + 7, Unpooled.wrappedBuffer(data), true);
            assertArrayEquals(data, read(device, MIB + 7, data.length));

            device.trim(2 * MIB, 64 * KIB, true); // aligned: fallocate on the device
            device.trim(3 * MIB + 100, 5000, false); // unaligned: EINVAL, written as zeroes
            device.writeZeroes(4 * MIB, 64 * KIB, false, false, false);
            device.writeZeroes(5 * MIB + 3, 1000, true, false, false);
            device.flush();
            assertTrue(isZero(read(device, 2 * MIB, 64 * KIB)));
            assertTrue(isZero(read(device, 3 * MIB + 100, 5000)));
            assertTrue(isZero(read(device, 4 * MIB, 64 * KIB)));
            assertTrue(isZero(read(device, 5 * MIB + 3, 1000)));
            assertEquals(initial[3 * MIB + 99], read(device, 3 * MIB + 99, 1)[0]);
            assertEquals(initial[3 * MIB + 5100], read(device, 3 * MIB + 5100, 1)[0]);

            assertEquals(List.of(new Extent(0, 8 * MIB, false, false)), extents(device, 0, 8 * MIB));
            IOException inUse = assertThrows(IOException.class, () -> FileBlockDevice.open(Path.of(loop), true));
            assertTrue(inUse.getMessage().contains("in use by another process"), inUse.getMessage());
        } finally {
            run("losetup", "-d", loop);
        }
    }

    /** Runs a command; fails the test (never skips) if it is missing or exits non-zero. */
    private static String run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), String.join(" ", command) + " hung");
        assertEquals(0, process.exitValue(), String.join(" ", command) + ": " + output);
        return output;
    }
}
