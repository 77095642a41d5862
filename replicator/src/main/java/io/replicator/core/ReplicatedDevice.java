package io.replicator.core;

import io.netty.buffer.ByteBuf;
import io.replicator.nbd.device.BlockDevice;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;

/**
 * The seam between the NBD server and replication: a {@link BlockDevice} whose writes go through the
 * {@link ReplicaCore} (journal, local disk and peer in one order) and whose replies wait for what
 * the protocol asks: A = local write done and handed to the link, B = also received by the peer,
 * C = also written by the peer; FLUSH and FUA = durable on both nodes. Reads are local.
 */
public final class ReplicatedDevice implements BlockDevice {
    private final ReplicaCore core;
    private final BlockDevice local;
    private final LatencyRecorder latency;

    /** Where write and flush latencies go (metrics). */
    public interface LatencyRecorder {
        void write(long nanos, int bytes);

        void flush(long nanos);

        /** Bytes a write sent to the peer (0 when the peer was away). */
        void replicated(long bytes);
    }

    public ReplicatedDevice(ReplicaCore core, BlockDevice local, LatencyRecorder latency) {
        this.core = core;
        this.local = local;
        this.latency = latency;
    }

    @Override
    public long sizeBytes() {
        return local.sizeBytes();
    }

    @Override
    public String refusal() {
        return core.refusal();
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        core.read(offset, dst);
    }

    @Override
    public void write(long offset, ByteBuf data, boolean fua) throws IOException {
        long start = System.nanoTime();
        int bytes = data.readableBytes();
        awaitRoom();
        Ticket ticket = core.write(offset, data, fua);
        if (fua) {
            core.syncLocal(ticket.seq());
        }
        await(ticket);
        latency.write(System.nanoTime() - start, bytes);
        if (ticket.acks() != null) {
            latency.replicated(bytes);
        }
    }

    @Override
    public void flush() throws IOException {
        long start = System.nanoTime();
        Ticket ticket = core.flush();
        core.syncLocal(ticket.seq());
        await(ticket);
        latency.flush(System.nanoTime() - start);
    }

    @Override
    public void trim(long offset, long length, boolean fua) throws IOException {
        awaitRoom();
        Ticket ticket = core.trim(offset, length, fua);
        if (fua) {
            core.syncLocal(ticket.seq());
        }
        await(ticket);
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayPunch, boolean fastOnly, boolean fua) throws IOException {
        if (fastOnly && !local.canFastZero()) {
            throw new FastZeroUnsupportedException("the backing store cannot zero quickly");
        }
        awaitRoom();
        Ticket ticket = core.writeZeroes(offset, length, mayPunch, fua);
        if (fua) {
            core.syncLocal(ticket.seq());
        }
        await(ticket);
    }

    @Override
    public void cache(long offset, long length) throws IOException {
        local.cache(offset, length);
    }

    @Override
    public void blockStatus(long offset, long length, ExtentSink sink) throws IOException {
        local.blockStatus(offset, length, sink);
    }

    /** Requests wait for the peer: each waits on its own I/O thread. */
    @Override
    public int requestsPerThread() {
        return 1;
    }

    @Override
    public boolean canTrim() {
        return local.canTrim();
    }

    @Override
    public boolean canFastZero() {
        return local.canFastZero();
    }

    @Override
    public void close() throws IOException {
        // the daemon closes the core and the local device in its own order
    }

    private void awaitRoom() throws IOException {
        try {
            core.awaitRoom();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while the link was full");
        }
    }

    private static void await(Ticket ticket) throws IOException {
        try {
            ticket.await(); // false: the peer went away; the write stands locally and the peer catches up later
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the peer");
        }
    }
}
