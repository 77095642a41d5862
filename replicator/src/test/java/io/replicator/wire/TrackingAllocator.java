package io.replicator.wire;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.util.ArrayList;
import java.util.List;

/**
 * An allocator that remembers every buffer it hands out, so a test can assert that all of them were
 * released: deterministic, unlike the leak detector, which reports only after a garbage collection.
 * Tests set it on the channel ({@code config().setAllocator}) and allocate their input from it too.
 * (A copy of nbd-server's test helper of the same name, which replicator's tests do not depend on.)
 */
public final class TrackingAllocator extends AbstractByteBufAllocator {

    static {
        // Leak records with access points, for the leaks the tracking below cannot attribute.
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
    }

    private static final UnpooledByteBufAllocator UNPOOLED = new UnpooledByteBufAllocator(false, true);

    private final List<ByteBuf> buffers = new ArrayList<>();

    public TrackingAllocator() {
        super(false);
    }

    @Override
    protected synchronized ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
        return track(UNPOOLED.heapBuffer(initialCapacity, maxCapacity));
    }

    @Override
    protected synchronized ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
        return track(UNPOOLED.directBuffer(initialCapacity, maxCapacity));
    }

    @Override
    public boolean isDirectBufferPooled() {
        return false;
    }

    private ByteBuf track(ByteBuf buf) {
        buffers.add(buf);
        return buf;
    }

    /** A heap buffer holding {@code bytes[from, to)}. */
    public ByteBuf copyOf(byte[] bytes, int from, int to) {
        return heapBuffer(to - from).writeBytes(bytes, from, to - from);
    }

    public ByteBuf copyOf(byte[] bytes) {
        return copyOf(bytes, 0, bytes.length);
    }

    public synchronized int allocated() {
        return buffers.size();
    }

    /** Buffers handed out and not yet released. */
    public synchronized int unreleased() {
        int n = 0;
        for (ByteBuf buf : buffers) {
            n += buf.refCnt() > 0 ? 1 : 0;
        }
        return n;
    }

    public void assertAllReleased() {
        int n = unreleased();
        if (n != 0) {
            throw new AssertionError(n + " of " + allocated() + " buffers were not released");
        }
    }
}
