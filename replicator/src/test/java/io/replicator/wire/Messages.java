package io.replicator.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.replicator.wire.Message.ResyncData;
import io.replicator.wire.Message.Write;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import java.util.StringJoiner;

/**
 * Equality and description of messages for tests: byte[] and ByteBuf fields compare by content
 * (the records themselves compare arrays by identity).
 */
final class Messages {

    private Messages() {
    }

    static void assertEqual(Message expected, Message actual, String what) {
        if (!equal(expected, actual)) {
            throw new AssertionError(what + ": expected " + describe(expected) + " but was " + describe(actual));
        }
    }

    static boolean equal(Message a, Message b) {
        if (a == null || b == null || a.getClass() != b.getClass()) {
            return a == b;
        }
        for (RecordComponent c : a.getClass().getRecordComponents()) {
            Object x = value(c, a);
            Object y = value(c, b);
            boolean same;
            if (x instanceof byte[] bx && y instanceof byte[] by) {
                same = Arrays.equals(bx, by);
            } else if (x instanceof ByteBuf bx && y instanceof ByteBuf by) {
                same = ByteBufUtil.equals(bx, by);
            } else {
                same = Objects.equals(x, y);
            }
            if (!same) {
                return false;
            }
        }
        return true;
    }

    static String describe(Message m) {
        if (m == null) {
            return "null";
        }
        StringJoiner fields = new StringJoiner(", ", m.getClass().getSimpleName() + "[", "]");
        for (RecordComponent c : m.getClass().getRecordComponents()) {
            Object v = value(c, m);
            String text;
            if (v instanceof byte[] bytes) {
                text = bytes.length + " bytes " + HexFormat.of().formatHex(bytes, 0, Math.min(bytes.length, 16));
            } else if (v instanceof ByteBuf buf) {
                text = buf.readableBytes() + " bytes " + ByteBufUtil.hexDump(buf, buf.readerIndex(), Math.min(buf.readableBytes(), 16));
            } else {
                text = String.valueOf(v);
            }
            fields.add(c.getName() + "=" + text);
        }
        return fields.toString();
    }

    /** The same message with {@code data} as its payload (Write and ResyncData); others as they are. */
    static Message withData(Message m, ByteBuf data) {
        if (m instanceof Write w) {
            return new Write(w.pos(), w.seq(), w.offset(), w.flags(), data);
        }
        if (m instanceof ResyncData r) {
            return new ResyncData(r.pos(), r.offset(), data);
        }
        return m;
    }

    /** Releases the message's payload, if it has one. */
    static void release(Message m) {
        ByteBuf data = MessageBodies.dataOf(m);
        if (data != null) {
            data.release();
        }
    }

    private static Object value(RecordComponent c, Message m) {
        try {
            return c.getAccessor().invoke(m);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }
}
