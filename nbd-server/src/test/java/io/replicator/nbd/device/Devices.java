package io.replicator.nbd.device;

import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Small helpers shared by the device tests. */
final class Devices {

    record Extent(long offset, long lengthBytes, boolean hole, boolean zero) {
        long end() {
            return offset + lengthBytes;
        }
    }

    private Devices() {}

    static byte[] read(BlockDevice device, long offset, int length) throws IOException {
        ByteBuffer dst = ByteBuffer.allocate(length);
        device.read(offset, dst);
        if (dst.hasRemaining()) {
            throw new AssertionError("read left " + dst.remaining() + " bytes unfilled");
        }
        return dst.array();
    }

    static void write(BlockDevice device, long offset, byte[] data) throws IOException {
        device.write(offset, Unpooled.wrappedBuffer(data), false);
    }

    static List<Extent> extents(BlockDevice device, long offset, long length) throws IOException {
        List<Extent> extents = new ArrayList<>();
        long[] position = {offset};
        device.blockStatus(offset, length, (lengthBytes, hole, zero) -> {
            extents.add(new Extent(position[0], lengthBytes, hole, zero));
            position[0] += lengthBytes;
            return true;
        });
        return extents;
    }

    /**
     * Checks the extents cover {@code [offset, offset+length)} exactly, each non-empty and after the last,
     * and that every extent marked zero reads as zeroes.
     */
    static void checkExtents(BlockDevice device, long offset, long length, List<Extent> extents)
            throws IOException {
        long position = offset;
        for (Extent e : extents) {
            if (e.offset() != position || e.lengthBytes() <= 0) {
                throw new AssertionError("extents not contiguous from " + offset + ": " + extents);
            }
            if (e.hole() && !e.zero()) {
                throw new AssertionError("a hole must read zero: " + e);
            }
            if (e.zero() && !isZero(read(device, e.offset(), Math.toIntExact(e.lengthBytes())))) {
                throw new AssertionError("extent reported zero holds data: " + e);
            }
            position = e.end();
        }
        if (position != offset + length) {
            throw new AssertionError("extents end at " + position + ", expected " + (offset + length) + ": "
                    + extents);
        }
    }

    static boolean isZero(byte[] bytes) {
        for (byte b : bytes) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    static byte[] randomBytes(long seed, int length) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        for (int i = 0; i < length; i++) {
            if (bytes[i] == 0) {
                bytes[i] = 1; // non-zero, so a lost write never passes for a zeroed range
            }
        }
        return bytes;
    }
}
