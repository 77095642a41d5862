package io.replicator.core;

import io.netty.buffer.ByteBuf;
import io.replicator.nbd.device.BlockDevice;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CountDownLatch;

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

    // The blocking forms (for callers other than the NBD session) wait for the submitted request.

    @Override
    public void write(long offset, ByteBuf data, boolean fua) throws IOException {
        blocking(done -> submitWrite(offset, data, fua, done));
    }

    @Override
    public void flush() throws IOException {
        blocking(this::submitFlush);
    }

    @Override
    public void trim(long offset, long length, boolean fua) throws IOException {
        blocking(done -> submitTrim(offset, length, fua, done));
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayPunch, boolean fastOnly, boolean fua) throws IOException {
        blocking(done -> submitWriteZeroes(offset, length, mayPunch, fastOnly, fua, done));
    }

    // The local part runs here; the reply waits for the peer's acknowledgement without holding the thread.

    @Override
    public void submitWrite(long offset, ByteBuf data, boolean fua, Completion done) throws IOException {
        long start = System.nanoTime();
        int bytes = data.readableBytes();
        awaitRoom();
        Ticket ticket = core.write(offset, data, fua);
        completeWhenDone(ticket, fua, () -> {
            latency.write(System.nanoTime() - start, bytes);
            if (ticket.acks() != null) {
                latency.replicated(bytes);
            }
            done.done();
        });
    }

    @Override
    public void submitFlush(Completion done) throws IOException {
        long start = System.nanoTime();
        completeWhenDone(core.flush(), true, () -> { // a flush syncs here while the peer syncs its barrier
            latency.flush(System.nanoTime() - start);
            done.done();
        });
    }

    @Override
    public void submitTrim(long offset, long length, boolean fua, Completion done) throws IOException {
        awaitRoom();
        completeWhenDone(core.trim(offset, length, fua), fua, done::done);
    }

    @Override
    public void submitWriteZeroes(long offset, long length, boolean mayPunch, boolean fastOnly, boolean fua,
            Completion done) throws IOException {
        if (fastOnly && !local.canFastZero()) {
            throw new FastZeroUnsupportedException("the backing store cannot zero quickly");
        }
        awaitRoom();
        completeWhenDone(core.writeZeroes(offset, length, mayPunch, fua), fua, done::done);
    }

    @Override
    public void cache(long offset, long length) throws IOException {
        local.cache(offset, length);
    }

    @Override
    public void blockStatus(long offset, long length, ExtentSink sink) throws IOException {
        local.blockStatus(offset, length, sink);
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

    /** FUA: durable here first (the peer syncs it meanwhile); then {@code then} runs when the peer's ack arrives. */
    private void completeWhenDone(Ticket ticket, boolean fua, Runnable then) throws IOException {
        if (fua) {
            core.syncLocal(ticket.seq());
        }
        ticket.whenDone(then);
    }

    private interface Submission {
        void submit(Completion done) throws IOException;
    }

    /** Submits and waits for the completion (also when the peer went away: the write stands locally). */
    private static void blocking(Submission submission) throws IOException {
        CountDownLatch latch = new CountDownLatch(1);
        submission.submit(latch::countDown);
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the peer");
        }
    }
}
