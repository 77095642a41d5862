package io.replicator.journal;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.MappedBytes;

/**
 * Puts a large entry's data into the cycle file at the appender's position with a positional write (pwrite)
 * instead of a copy through Chronicle's mapping, then moves the appender past it. The same bytes in the
 * same file and the same page cache, which the mapping sees at once (readers read it there); only the
 * copy differs: the kernel's, through its own mapping of the page cache. On a paravirtualised VM the first
 * store to each newly mapped page of a file costs a fault that the hypervisor serves: copying 1 MiB
 * blocks into fresh pages of a mapped file ran at 0.3-0.5 GB/s here, pwrite into fresh pages at
 * 4-6 GB/s, and the mapped copy was two thirds of a pair's CPU under 1 MiB writes. Data smaller than
 * {@link #PWRITE_MIN_BYTES} is still copied through the mapping: there a system call per entry costs more
 * than the store into pages the pretouch thread has faulted in (write+fsync at queue depth 1 measured
 * 2-17 % slower with pwrite for 4 KiB).
 * Not thread-safe: the journal calls it under its lock.
 */
final class PayloadWriter implements AutoCloseable {

    /** Data at least this large goes by pwrite. */
    static final int PWRITE_MIN_BYTES = 64 * 1024;

    private File file;
    private FileChannel channel;

    /**
     * Writes {@code payload} (position to limit) at {@code bytes}' write position and skips it. Consumes the
     * payload: the journal passes its own view of the caller's buffer, made for this entry.
     */
    void write(Bytes<?> bytes, ByteBuffer payload) throws IOException {
        if (payload.remaining() < PWRITE_MIN_BYTES || !(bytes instanceof MappedBytes mapped)) {
            copy(bytes, payload);
            return;
        }
        long at = bytes.writePosition();
        int length = payload.remaining();
        bytes.writeSkip(length); // reserves the room (mapping more if needed) without touching its pages
        FileChannel ch = channelFor(mapped.mappedFile().file());
        for (int i = 0; payload.hasRemaining(); i++) {
            if (i == 1000) {
                throw new IOException("journal: cannot write the entry data to " + file + ", " + payload.remaining() + " bytes left");
            }
            ch.write(payload, at + length - payload.remaining());
        }
    }

    private FileChannel channelFor(File f) throws IOException {
        if (!f.equals(file)) {
            close();
            channel = FileChannel.open(f.toPath(), StandardOpenOption.WRITE);
            file = f;
        }
        return channel;
    }

    /**
     * Copies through the mapping (bytes that are not a mapped file). A heap buffer goes by its array:
     * Chronicle's {@code writeSome(ByteBuffer)} ignores the array offset of a heap slice (which is what
     * Netty's {@code nioBuffer} returns) and would copy the wrong bytes.
     */
    private static void copy(Bytes<?> bytes, ByteBuffer payload) {
        if (payload.hasArray()) {
            bytes.write(payload.array(), payload.arrayOffset() + payload.position(), payload.remaining());
            return;
        }
        for (int i = 0; payload.hasRemaining(); i++) {
            if (i == 1000) {
                throw new IllegalStateException("journal: cannot write the entry data, " + payload.remaining() + " bytes left");
            }
            bytes.writeSome(payload);
        }
    }

    @Override
    public void close() throws IOException {
        FileChannel ch = channel;
        channel = null;
        file = null;
        if (ch != null) {
            ch.close();
        }
    }
}
