package io.replicator.sim;

import io.replicator.journal.ActivityLog;
import java.nio.ByteBuffer;

/** The activity log's two slots in memory: a write is durable at once (the file store syncs each one). */
final class MemoryActivityLogStore implements ActivityLog.Store {

    private final ByteBuffer[] slots = new ByteBuffer[2];

    @Override
    public ByteBuffer read(int slot, int maxBytes) {
        ByteBuffer b = slots[slot];
        return b == null ? null : b.duplicate();
    }

    @Override
    public void write(int slot, ByteBuffer block) {
        ByteBuffer copy = ByteBuffer.allocate(block.remaining());
        copy.put(block.duplicate()).flip();
        slots[slot] = copy;
    }

    @Override
    public void close() {
    }
}
