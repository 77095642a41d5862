package io.replicator.nbd.device;

import static io.replicator.nbd.device.Devices.checkExtents;
import static io.replicator.nbd.device.Devices.extents;
import static io.replicator.nbd.device.Devices.isZero;
import static io.replicator.nbd.device.Devices.randomBytes;
import static io.replicator.nbd.device.Devices.read;
import static io.replicator.nbd.device.Devices.write;
import static io.replicator.nbd.device.MemoryBlockDevice.PAGE_BYTES;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.replicator.nbd.device.Devices.Extent;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class MemoryBlockDeviceTest {

    private static final int SIZE = 16 * PAGE_BYTES;

    private final MemoryBlockDevice device = new MemoryBlockDevice(SIZE);

    @Test
    void newDeviceIsOneHoleReadingZero() throws IOException {
        assertTrue(isZero(read(device, 0, SIZE)));
        assertEquals(List.of(new Extent(0, SIZE, true, true)), extents(device, 0, SIZE));
        assertEquals(0, device.allocatedPages());
    }

    @Test
    void writeAcrossPagesReadsBack() throws IOException {
        byte[] data = randomBytes(1, 3 * PAGE_BYTES + 7);
        write(device, PAGE_BYTES - 3, data);
        assertArrayEquals(data, read(device, PAGE_BYTES - 3, data.length));
        assertEquals(5, device.allocatedPages());
        assertTrue(isZero(read(device, 0, PAGE_BYTES - 3)));
    }

    @Test
    void compositeBufferFromItsReaderIndex() throws IOException {
        byte[] a = randomBytes(2, 100);
        byte[] b = randomBytes(3, PAGE_BYTES);
        CompositeByteBuf composite = Unpooled.compositeBuffer()
                .addComponents(true, Unpooled.wrappedBuffer(a), Unpooled.wrappedBuffer(b));
        composite.skipBytes(10);
        device.write(5, composite, false);
        byte[] expected = new byte[a.length + b.length - 10];
        System.arraycopy(a, 10, expected, 0, a.length - 10);
        System.arraycopy(b, 0, expected, a.length - 10, b.length);
        assertArrayEquals(expected, read(device, 5, expected.length));
        assertEquals(10, composite.readerIndex(), "the device does not consume the buffer");
        composite.release();
    }

    @Test
    void trimFreesCoveredPagesAndZeroesPartialOnes() throws IOException {
        byte[] data = randomBytes(4, 4 * PAGE_BYTES);
        write(device, 0, data);
        device.trim(PAGE_BYTES / 2, 2 * PAGE_BYTES, false); // half, whole, half

        assertEquals(3, device.allocatedPages());
        byte[] expected = data.clone();
        Arrays.fill(expected, PAGE_BYTES / 2, PAGE_BYTES / 2 + 2 * PAGE_BYTES, (byte) 0);
        assertArrayEquals(expected, read(device, 0, data.length));
        assertEquals(List.of(
                new Extent(0, PAGE_BYTES, false, false),
                new Extent(PAGE_BYTES, PAGE_BYTES, true, true),
                new Extent(2 * PAGE_BYTES, 2 * PAGE_BYTES, false, false),
                new Extent(4 * PAGE_BYTES, SIZE - 4 * PAGE_BYTES, true, true)), extents(device, 0, SIZE));
    }

    @Test
    void trimOfAHoleAllocatesNothing() throws IOException {
        device.trim(100, 3 * PAGE_BYTES, false);
        assertEquals(0, device.allocatedPages());
    }

    @Test
    void writeZeroesWithoutPunchKeepsPagesAllocated() throws IOException {
        write(device, 0, randomBytes(5, 2 * PAGE_BYTES));
        device.writeZeroes(0, 4 * PAGE_BYTES, false, true, false);
        assertEquals(4, device.allocatedPages(), "zeroed pages stay allocated; holes in the range are filled");
        assertTrue(isZero(read(device, 0, 4 * PAGE_BYTES)));
        assertEquals(new Extent(0, 4 * PAGE_BYTES, false, false), extents(device, 0, SIZE).get(0));

        device.writeZeroes(0, 4 * PAGE_BYTES, true, true, false);
        assertEquals(0, device.allocatedPages());
    }

    @Test
    void shortLastPageIsFreedWhenTrimmedToTheEnd() throws IOException {
        MemoryBlockDevice odd = new MemoryBlockDevice(PAGE_BYTES + 1000);
        write(odd, PAGE_BYTES, randomBytes(6, 1000));
        odd.trim(PAGE_BYTES, 1000, false);
        assertEquals(0, odd.allocatedPages());
        assertEquals(List.of(new Extent(0, PAGE_BYTES + 1000, true, true)), extents(odd, 0, PAGE_BYTES + 1000));
    }

    @Test
    void blockStatusStartsMidPageAndStopsOnRequest() throws IOException {
        write(device, 3 * PAGE_BYTES, new byte[] {1});
        assertEquals(List.of(
                new Extent(10, 3 * PAGE_BYTES - 10, true, true),
                new Extent(3 * PAGE_BYTES, 100, false, false)), extents(device, 10, 3 * PAGE_BYTES - 10 + 100));
        List<Long> seen = new ArrayList<>();
        device.blockStatus(0, SIZE, (length, hole, zero) -> {
            seen.add(length);
            return false;
        });
        assertEquals(List.of(3L * PAGE_BYTES), seen);
        checkExtents(device, 1, SIZE - 2, extents(device, 1, SIZE - 2));
    }

    @Test
    void readOnlyDeviceRefusesChanges() {
        MemoryBlockDevice readOnly = new MemoryBlockDevice(SIZE, true);
        assertTrue(readOnly.isReadOnly());
        assertThrows(IOException.class, () -> write(readOnly, 0, new byte[] {1}));
        assertThrows(IOException.class, () -> readOnly.trim(0, 10, false));
        assertThrows(IOException.class, () -> readOnly.writeZeroes(0, 10, false, false, false));
    }

    @Test
    void outOfRangeIsABug() {
        assertThrows(IndexOutOfBoundsException.class, () -> read(device, SIZE - 1, 2));
        assertThrows(IndexOutOfBoundsException.class, () -> device.trim(-1, 2, false));
    }

    @Test
    void closedDeviceFails() {
        device.close();
        assertThrows(ClosedChannelException.class, () -> read(device, 0, 1));
        assertThrows(ClosedChannelException.class, device::flush);
    }

    /** Writers on several threads, each to its own pages: nothing may be lost or torn. */
    @Test
    void concurrentWritersDoNotLoseData() throws Exception {
        int threads = 8;
        MemoryBlockDevice big = new MemoryBlockDevice((long) threads * 4 * PAGE_BYTES);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<byte[]>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                long offset = (long) t * 4 * PAGE_BYTES + 123;
                int seed = t;
                results.add(pool.submit(() -> {
                    start.await();
                    byte[] data = randomBytes(seed, 3 * PAGE_BYTES);
                    for (int i = 0; i < 200; i++) {
                        write(big, offset, data);
                        big.writeZeroes(offset + PAGE_BYTES, 100, false, false, false);
                        Arrays.fill(data, PAGE_BYTES, PAGE_BYTES + 100, (byte) 0);
                        assertArrayEquals(data, read(big, offset, data.length));
                    }
                    return data;
                }));
            }
            start.countDown();
            for (int t = 0; t < threads; t++) {
                assertArrayEquals(results.get(t).get(), read(big, (long) t * 4 * PAGE_BYTES + 123, 3 * PAGE_BYTES));
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
