package io.replicator.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirtyBitmapTest {

    private static final int REGION = 64 * 1024;
    /** 200 regions, the last one short: 199 full regions and 1000 bytes. */
    private static final long VOLUME = 199L * REGION + 1000;

    @TempDir
    Path dir;

    private static List<Long> dirtyList(DirtyBitmap b) {
        List<Long> out = new ArrayList<>();
        for (long r = b.nextDirty(0); r >= 0 && out.size() <= b.regions(); r = b.nextDirty(r + 1)) {
            out.add(r);
        }
        return out;
    }

    @Test
    void marksTheRegionsARangeTouches() throws IOException {
        try (DirtyBitmap b = DirtyBitmap.inMemory(VOLUME, REGION)) {
            assertEquals(200, b.regions());
            b.mark(REGION - 1, 2); // straddles regions 0 and 1
            assertEquals(List.of(0L, 1L), dirtyList(b));
            b.mark(3L * REGION, REGION); // exactly region 3
            b.mark(5L * REGION, 0); // nothing
            assertEquals(List.of(0L, 1L, 3L), dirtyList(b));
            b.mark(63L * REGION, 2L * REGION); // regions 63 and 64: across a word
            assertEquals(List.of(0L, 1L, 3L, 63L, 64L), dirtyList(b));
            assertEquals(5, b.dirtyRegions());
            b.mark(0, 2); // already dirty: the count stays
            assertEquals(5, b.dirtyRegions());
        }
    }

    @Test
    void markRangesAcrossManyWords() {
        DirtyBitmap b = DirtyBitmap.inMemory(VOLUME, REGION);
        b.mark(10L * REGION + 5, 150L * REGION);
        assertEquals(151, b.dirtyRegions());
        assertEquals(10, b.nextDirty(0));
        assertEquals(160, b.nextDirty(160));
        assertEquals(-1, b.nextDirty(161));
    }

    @Test
    void countAndBytesFollowMarksAndClears() {
        DirtyBitmap b = DirtyBitmap.inMemory(VOLUME, REGION);
        assertEquals(0, b.dirtyBytes());
        b.mark(VOLUME - 1, 1); // the short last region
        assertEquals(1, b.dirtyRegions());
        assertEquals(1000, b.dirtyBytes());
        b.mark(0, 1);
        assertEquals(REGION + 1000, b.dirtyBytes());
        b.clear(199);
        assertEquals(REGION, b.dirtyBytes());
        b.clear(199); // clean already: the count stays
        assertEquals(1, b.dirtyRegions());
        b.markAll();
        assertEquals(200, b.dirtyRegions());
        assertEquals(VOLUME, b.dirtyBytes());
        assertEquals(-1, b.nextDirty(200));
        b.clearAll();
        assertEquals(0, b.dirtyRegions());
        assertEquals(-1, b.nextDirty(0));
    }

    @Test
    void rangesOutsideTheVolumeAreRefused() {
        DirtyBitmap b = DirtyBitmap.inMemory(VOLUME, REGION);
        assertThrows(IllegalArgumentException.class, () -> b.mark(VOLUME - 10, 11));
        assertThrows(IllegalArgumentException.class, () -> b.mark(-1, 1));
        assertThrows(IllegalArgumentException.class, () -> b.mark(Long.MAX_VALUE, Long.MAX_VALUE));
        assertThrows(IllegalArgumentException.class, () -> b.clear(200));
        assertThrows(IllegalArgumentException.class, () -> b.nextDirty(-1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DirtyBitmap.inMemory(VOLUME, 6000));
        assertEquals("regionBytes: 6000 (expected: a power of two >= 4096)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DirtyBitmap.inMemory(VOLUME, 2048));
    }

    @Test
    void bitsSurviveReopen() throws IOException {
        Path file = dir.resolve("bitmap");
        try (DirtyBitmap b = DirtyBitmap.open(file, VOLUME, REGION)) {
            assertEquals(0, b.dirtyRegions());
            b.mark(7L * REGION, 1);
            b.mark(VOLUME - 1, 1);
            b.force();
        }
        try (DirtyBitmap b = DirtyBitmap.open(file, VOLUME, REGION)) {
            assertEquals(List.of(7L, 199L), dirtyList(b));
            assertEquals(2, b.dirtyRegions());
            b.clear(7);
        }
        try (DirtyBitmap b = DirtyBitmap.open(file, VOLUME, REGION)) {
            assertEquals(List.of(199L), dirtyList(b));
        }
    }

    @Test
    void aBitmapForAnotherVolumeOrRegionSizeIsRefused() throws IOException {
        Path file = dir.resolve("bitmap");
        DirtyBitmap.open(file, VOLUME, REGION).close();
        IOException region = assertThrows(IOException.class, () -> DirtyBitmap.open(file, VOLUME, 4096));
        assertEquals("dirty bitmap " + file + ": region size 65536 (expected: 4096); made with another region size",
                region.getMessage());
        IOException volume = assertThrows(IOException.class, () -> DirtyBitmap.open(file, VOLUME + 1, REGION));
        assertEquals("dirty bitmap " + file + ": volume size " + VOLUME + " (expected: " + (VOLUME + 1)
                + "); made for a volume of another size", volume.getMessage());
    }

    @Test
    void aFileThatIsNotABitmapIsRefused() throws IOException {
        Path file = dir.resolve("bitmap");
        Files.write(file, new byte[8192]);
        IOException e = assertThrows(IOException.class, () -> DirtyBitmap.open(file, VOLUME, REGION));
        assertTrue(e.getMessage().contains("magic"), e.getMessage());
    }

    @Test
    void aDamagedHeaderIsRefused() throws IOException {
        Path file = dir.resolve("bitmap");
        DirtyBitmap.open(file, VOLUME, REGION).close();
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(24);
            raf.write(0x55);
        }
        IOException e = assertThrows(IOException.class, () -> DirtyBitmap.open(file, VOLUME, REGION));
        assertTrue(e.getMessage().contains("checksum"), e.getMessage());
    }

    @Test
    void concurrentMarksCountEachRegionOnce() throws Exception {
        DirtyBitmap b = DirtyBitmap.inMemory(1L << 30, 4096); // 262144 regions
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                done.add(pool.submit(() -> {
                    for (long r = 0; r < b.regions(); r += 3) {
                        b.mark(r * 4096, 4096);
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals((b.regions() + 2) / 3, b.dirtyRegions());
    }
}
