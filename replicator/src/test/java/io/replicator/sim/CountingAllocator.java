package io.replicator.sim;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.ArrayList;
import java.util.List;

/**
 * Hands out unpooled buffers and remembers the live ones, so a run can end by asserting that every
 * buffer the cores, the network and the clients made was released (deterministic, unlike Netty's leak
 * detector, which reports after a garbage collection).
 */
final class CountingAllocator extends AbstractByteBufAllocator {
    private static final UnpooledByteBufAllocator UNPOOLED = new UnpooledByteBufAllocator(false, true);
    private static final int PRUNE_EVERY = 1024;

    private final List<ByteBuf> live = new ArrayList<>();
    private long allocated;

    CountingAllocator() {
        super(false);
    }

    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
        return track(UNPOOLED.heapBuffer(initialCapacity, maxCapacity));
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
        return track(UNPOOLED.directBuffer(initialCapacity, maxCapacity));
    }

    @Override
    public boolean isDirectBufferPooled() {
        return false;
    }

    long allocated() {
        return allocated;
    }

    /** Buffers handed out and not released yet. */
    int unreleased() {
        prune();
        return live.size();
    }

    private ByteBuf track(ByteBuf buf) {
        if (++allocated % PRUNE_EVERY == 0) {
            prune();
        }
        live.add(buf);
        return buf;
    }

    private void prune() {
        live.removeIf(b -> b.refCnt() == 0);
    }
}
