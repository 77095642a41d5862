package io.replicator.journal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * The layout of one journal entry inside a Chronicle document: a fixed header, then the data of a WRITE.
 * <pre>
 *   seq u64 | type u8 | flags u32 | offset u64 | length u64 | crc32c u32 | data (WRITE: length bytes)
 * </pre>
 * Little-endian. The CRC32C covers the header before it and the data: Chronicle marks a document complete
 * before the kernel has written all its pages, so after a power loss an unsynced entry can read back with
 * a complete header and stale data; the checksum makes that an error instead of a replay of wrong bytes.
 * Not thread-safe: one codec per appender or cursor.
 */
final class EntryCodec {

    static final int HEADER_BYTES = 33;
    private static final int CRC_AT = 29;

    /** A decoded header; {@code crc} is the stored checksum. */
    record Header(long seq, byte type, int flags, long offset, long length, int crc) {
    }

    private final byte[] header = new byte[HEADER_BYTES];
    private final ByteBuffer headerBuf = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
    private final CRC32C crc = new CRC32C();

    /**
     * Fills and returns the header bytes (the same array on every call). {@code data}, when not null, is
     * checksummed from its position to its limit and left as it was.
     */
    byte[] encode(long seq, byte type, int flags, long offset, long length, ByteBuffer data) {
        headerBuf.clear();
        headerBuf.putLong(seq).put(type).putInt(flags).putLong(offset).putLong(length);
        crc.reset();
        crc.update(header, 0, CRC_AT);
        if (data != null) {
            int position = data.position();
            crc.update(data);
            data.position(position);
        }
        headerBuf.putInt((int) crc.getValue());
        return header;
    }

    /** The header array to read into before {@link #decode()}. */
    byte[] headerBytes() {
        return header;
    }

    Header decode() {
        headerBuf.clear();
        return new Header(headerBuf.getLong(), headerBuf.get(), headerBuf.getInt(), headerBuf.getLong(),
                headerBuf.getLong(), headerBuf.getInt());
    }

    /** The checksum of the header last read into {@link #headerBytes()} and the given data (may be null). */
    int checksum(ByteBuffer data) {
        crc.reset();
        crc.update(header, 0, CRC_AT);
        if (data != null) {
            crc.update(data);
        }
        return (int) crc.getValue();
    }
}
