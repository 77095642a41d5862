package io.replicator.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.io.IOException;

/** Test entries whose content follows from their seq, so any reader can check what it gets back. */
final class Entries {
    private Entries() {}

    static final ByteBufAllocator ALLOC = UnpooledByteBufAllocator.DEFAULT;

    /** Deterministic bytes for an entry: differs per seq and per position. */
    static ByteBuf data(long seq, int length) {
        ByteBuf buf = Unpooled.directBuffer(length, length);
        for (int i = 0; i < length; i++) {
            buf.writeByte((int) (seq * 131 + i * 7 + (i >>> 8)));
        }
        return buf;
    }

    static int lengthFor(long seq) {
        return (int) (512 + (seq * 977) % 8192);
    }

    static byte typeFor(long seq) {
        return seq % 7 == 3 ? Journal.TRIM : seq % 7 == 5 ? Journal.ZEROES : Journal.WRITE;
    }

    /** Appends the standard entry for {@code seq}. */
    static void append(Journal journal, long seq) throws IOException {
        byte type = typeFor(seq);
        int length = lengthFor(seq);
        ByteBuf data = type == Journal.WRITE ? data(seq, length) : null;
        try {
            journal.append(seq, type, (int) (seq & 3), seq * 4096, length, data);
        } finally {
            if (data != null) {
                data.release();
            }
        }
    }

    static void appendRange(Journal journal, long from, long to) throws IOException {
        for (long seq = from; seq <= to; seq++) {
            append(journal, seq);
        }
    }

    /** Checks that {@code e} is the standard entry for {@code seq}; releases its data. */
    static void check(long seq, Journal.Entry e) {
        assertNotNull(e, "entry seq " + seq + " missing");
        try {
            assertEquals(seq, e.seq(), "seq");
            assertEquals(typeFor(seq), e.type(), "type of seq " + seq);
            assertEquals((int) (seq & 3), e.flags(), "flags of seq " + seq);
            assertEquals(seq * 4096, e.offset(), "offset of seq " + seq);
            assertEquals(lengthFor(seq), e.length(), "length of seq " + seq);
            if (e.type() == Journal.WRITE) {
                ByteBuf expected = data(seq, lengthFor(seq));
                try {
                    assertTrue(ByteBufUtil.equals(expected, e.data()), "data of seq " + seq);
                } finally {
                    expected.release();
                }
            } else {
                assertNull(e.data(), "data of " + Journal.typeName(e.type()) + " seq " + seq);
            }
        } finally {
            if (e.data() != null) {
                e.data().release();
            }
        }
    }

    /** Reads from {@code from} to the end and checks every entry; returns the count read. */
    static long readAndCheck(Journal journal, long from, long to) throws IOException {
        try (Journal.Cursor cursor = journal.read(from)) {
            for (long seq = from; seq <= to; seq++) {
                check(seq, cursor.next(ALLOC));
            }
            assertNull(cursor.next(ALLOC), "an entry after seq " + to);
        }
        return to - from + 1;
    }
}
