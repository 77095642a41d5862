package io.replicator.journal;

import io.netty.buffer.ByteBuf;

/** The argument checks both journals share, so that they refuse the same calls with the same words. */
final class JournalChecks {
    private JournalChecks() {}

    static void checkAppend(long lastSeq, long seq, byte type, long offset, long length, ByteBuf data) {
        if (seq != lastSeq + 1) {
            throw new IllegalArgumentException("seq: " + seq + " (expected: " + (lastSeq + 1) + ")");
        }
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("offset: " + offset + ", length: " + length + " (expected: >= 0)");
        }
        switch (type) {
            case Journal.WRITE -> {
                if (data == null) {
                    throw new IllegalArgumentException("WRITE seq " + seq + ": data is null");
                }
                if (length > Journal.MAX_DATA_BYTES) {
                    throw new IllegalArgumentException("WRITE length: " + length + " (expected: <= " + Journal.MAX_DATA_BYTES + ")");
                }
                if (data.readableBytes() != length) {
                    throw new IllegalArgumentException("WRITE seq " + seq + ": data has " + data.readableBytes()
                            + " readable bytes (expected: length " + length + ")");
                }
            }
            case Journal.TRIM, Journal.ZEROES -> {
                if (data != null) {
                    throw new IllegalArgumentException(Journal.typeName(type) + " seq " + seq + ": data must be null");
                }
            }
            default -> throw new IllegalArgumentException("type: " + type + " (expected: WRITE 1, TRIM 2 or ZEROES 3)");
        }
    }

    static void checkNextSeq(long nextSeq) {
        if (nextSeq < 1) {
            throw new IllegalArgumentException("nextSeq: " + nextSeq + " (expected: >= 1)");
        }
    }

    static void checkReadFrom(long fromSeq, long firstSeq, long lastSeq) {
        if (fromSeq < firstSeq || fromSeq > lastSeq + 1) {
            throw new IllegalArgumentException("fromSeq: " + fromSeq + " (expected: " + firstSeq + ".." + (lastSeq + 1) + ")");
        }
    }
}
