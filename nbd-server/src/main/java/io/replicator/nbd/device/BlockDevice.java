package io.replicator.nbd.device;

import io.netty.buffer.ByteBuf;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The backend an NBD export serves: data operations all take (offset, length, flags); the NBD
 * session calls them from I/O threads, never from the event loop, through the {@code submit} forms
 * for the data-changing ones (blocking unless a device completes them later). Capability
 * probes are apart from the data operations. Offsets and lengths are already range-checked by the
 * caller. Any {@link IOException} becomes an NBD error reply (EIO unless it is one of the typed
 * exceptions below).
 */
public interface BlockDevice extends Closeable {

    long sizeBytes();

    /** Fills {@code dst} from {@code offset} (all remaining bytes). */
    void read(long offset, ByteBuffer dst) throws IOException;

    /** Writes all readable bytes of {@code data} at {@code offset}; durable before return when {@code fua}. */
    void write(long offset, ByteBuf data, boolean fua) throws IOException;

    /** Makes every write that completed before this call durable. */
    void flush() throws IOException;

    /** Discards a range; reads of it return zeroes afterwards (we promise more than NBD requires). */
    void trim(long offset, long length, boolean fua) throws IOException;

    /**
     * Zeroes a range. {@code mayPunch}: the range may become a hole (no NO_HOLE flag).
     * {@code fastOnly}: fail with {@link FastZeroUnsupportedException} rather than write zeroes slowly.
     */
    void writeZeroes(long offset, long length, boolean mayPunch, boolean fastOnly, boolean fua) throws IOException;

    /**
     * The data-changing requests for a device whose replies wait on more than its disk (a peer's
     * acknowledgement): the local part runs on the calling I/O thread, then {@code done} runs once,
     * possibly later and on another thread, when the request may be answered. The I/O thread is free
     * meanwhile, so waiting requests hold no threads. {@code data} is the caller's again when the call
     * returns (a device that needs it longer retains it). An exception means the request failed and
     * {@code done} never runs. The defaults run the blocking operation and then {@code done}.
     */
    default void submitWrite(long offset, ByteBuf data, boolean fua, Completion done) throws IOException {
        write(offset, data, fua);
        done.done();
    }

    default void submitFlush(Completion done) throws IOException {
        flush();
        done.done();
    }

    default void submitTrim(long offset, long length, boolean fua, Completion done) throws IOException {
        trim(offset, length, fua);
        done.done();
    }

    default void submitWriteZeroes(long offset, long length, boolean mayPunch, boolean fastOnly, boolean fua,
            Completion done) throws IOException {
        writeZeroes(offset, length, mayPunch, fastOnly, fua);
        done.done();
    }

    /** Hints that a range will be read soon. */
    void cache(long offset, long length) throws IOException;

    /**
     * Reports the allocation of {@code [offset, offset+length)} from its start, extent by extent, until
     * the range is covered or the sink returns false.
     */
    void blockStatus(long offset, long length, ExtentSink sink) throws IOException;

    default boolean isReadOnly() {
        return false;
    }

    default boolean canTrim() {
        return true;
    }

    default boolean canFastZero() {
        return true;
    }

    /** A flush on any connection covers writes completed on every connection. */
    default boolean canMultiConn() {
        return true;
    }

    default boolean isRotational() {
        return false;
    }

    /**
     * Queued requests of one connection that one I/O thread serves in turn before another thread is
     * woken: a few (fewer wake-ups, still parallel for a slow disk).
     */
    default int requestsPerThread() {
        return 4;
    }

    /**
     * Why a new client may not attach right now (e.g. the volume is Secondary on this node), or null
     * to admit it. Asked at every EXPORT_NAME, INFO and GO.
     */
    default String refusal() {
        return null;
    }

    /** Says that a submitted request may be answered: called exactly once, from any thread. */
    @FunctionalInterface
    interface Completion {
        void done();
    }

    /** Receives extents for {@link #blockStatus}. */
    @FunctionalInterface
    interface ExtentSink {
        /** @return false to stop early */
        boolean extent(long lengthBytes, boolean hole, boolean zero);
    }

    /** The device does not accept this request now (answered with EPERM). */
    class NotPermittedException extends IOException {
        public NotPermittedException(String message) {
            super(message);
        }
    }

    /** FAST_ZERO was asked and the device cannot zero the range faster than by writing. */
    final class FastZeroUnsupportedException extends IOException {
        public FastZeroUnsupportedException(String message) {
            super(message);
        }
    }
}
