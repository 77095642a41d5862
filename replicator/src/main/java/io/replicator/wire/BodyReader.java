package io.replicator.wire;

import io.netty.buffer.ByteBuf;
import io.replicator.core.Generation;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Reads the fields of one body, from the buffer's reader index up to {@code end}. Every read is
 * bounded by the body, and every value that has a fixed set (enum ordinals, booleans, counts) is
 * checked here, so that a short or malformed body is a {@link FramingException}, never an
 * IndexOutOfBoundsException.
 */
final class BodyReader {

    private final ByteBuf buf;
    private final int end;
    private final MessageType type;

    BodyReader(ByteBuf buf, int end, MessageType type) {
        this.buf = buf;
        this.end = end;
        this.type = type;
    }

    int remaining() {
        return end - buf.readerIndex();
    }

    private void need(String field, int bytes) {
        if (remaining() < bytes) {
            throw new FramingException(type + " body: " + remaining() + " bytes left for " + field
                    + " (expected: >= " + bytes + ")");
        }
    }

    int u8(String field) {
        need(field, 1);
        return buf.readUnsignedByte();
    }

    int i32(String field) {
        need(field, 4);
        return buf.readInt();
    }

    long i64(String field) {
        need(field, 8);
        return buf.readLong();
    }

    boolean bool(String field) {
        int v = u8(field);
        if (v > 1) {
            throw new FramingException(type + " " + field + ": " + v + " (expected: 0 or 1)");
        }
        return v == 1;
    }

    <E extends Enum<E>> E enumValue(String field, E[] values) {
        int ordinal = u8(field);
        if (ordinal >= values.length) {
            throw new FramingException(type + " " + field + ": " + ordinal + " (expected: < " + values.length + ")");
        }
        return values[ordinal];
    }

    /** u8 length, then that many bytes of strict UTF-8. */
    String string(String field) {
        int length = u8(field + " length");
        need(field, length);
        try {
            String s = StandardCharsets.UTF_8.newDecoder().decode(buf.nioBuffer(buf.readerIndex(), length)).toString();
            buf.skipBytes(length);
            return s;
        } catch (CharacterCodingException e) {
            throw new FramingException(type + " " + field + ": not valid UTF-8", e);
        }
    }

    /** u8 length (at most {@code max}), then that many bytes. */
    byte[] bytes(String field, int max) {
        int length = u8(field + " length");
        if (length > max) {
            throw new FramingException(type + " " + field + " length: " + length + " (expected: <= " + max + ")");
        }
        need(field, length);
        byte[] bytes = new byte[length];
        buf.readBytes(bytes);
        return bytes;
    }

    /** u16 count (at most {@code max}, checked before anything is allocated), then (uuid, firstSeq) each. */
    List<Generation> generations(String field, int max) {
        need(field + " count", 2);
        int count = buf.readUnsignedShort();
        if (count > max) {
            throw new FramingException(type + " " + field + " count: " + count + " (expected: <= " + max + ")");
        }
        need(field, count * 16);
        Generation[] generations = new Generation[count];
        for (int i = 0; i < count; i++) {
            generations[i] = new Generation(buf.readLong(), buf.readLong());
        }
        return List.of(generations);
    }

    /** u16 count (at most {@code max}, checked before anything is allocated), then that many i64. */
    List<Long> longs(String field, int max) {
        need(field + " count", 2);
        int count = buf.readUnsignedShort();
        if (count > max) {
            throw new FramingException(type + " " + field + " count: " + count + " (expected: <= " + max + ")");
        }
        need(field, count * 8);
        Long[] values = new Long[count];
        for (int i = 0; i < count; i++) {
            values[i] = buf.readLong();
        }
        return List.of(values);
    }

    /** The rest of the body: a retained slice, which the caller owns. */
    ByteBuf rest() {
        return buf.readRetainedSlice(remaining());
    }

    /** After the last field: nothing may be left. */
    void end() {
        if (remaining() != 0) {
            throw new FramingException(type + " body: " + remaining() + " trailing bytes (expected: 0)");
        }
    }
}
