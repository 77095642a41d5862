package io.replicator.bench;

import static io.replicator.nbd.wire.NbdConstants.REQUEST_HEADER_BYTES;
import static io.replicator.nbd.wire.NbdConstants.REQUEST_MAGIC;
import static io.replicator.nbd.wire.NbdConstants.SIMPLE_REPLY_HEADER_BYTES;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.replicator.nbd.wire.NbdCommand;
import java.util.SplittableRandom;

/** Client side of the transmission phase, for the benchmarks: request encoding and reply sizes. */
final class NbdWire {
    private NbdWire() {}

    static final int BLOCK = 4096;

    static NbdCommand command(String name) {
        NbdCommand c = NbdCommand.valueOf(name);
        if (c != NbdCommand.READ && c != NbdCommand.WRITE) {
            throw new IllegalArgumentException("benchmarks use READ or WRITE, not " + name);
        }
        return c;
    }

    /** Bytes of one request on the wire (header, plus the payload of a WRITE). */
    static int requestBytes(NbdCommand command, int length) {
        return REQUEST_HEADER_BYTES + (command == NbdCommand.WRITE ? length : 0);
    }

    /** Bytes of one successful simple reply (header, plus the data of a READ). */
    static int simpleReplyBytes(NbdCommand command, int length) {
        return SIMPLE_REPLY_HEADER_BYTES + (command == NbdCommand.READ ? length : 0);
    }

    /** Appends one request; a WRITE carries {@code length} bytes taken from {@code data} (from its index 0). */
    static void writeRequest(ByteBuf buf, NbdCommand command, long cookie, long offset, int length, ByteBuf data) {
        buf.writeInt(REQUEST_MAGIC).writeShort(0).writeShort(command.code).writeLong(cookie).writeLong(offset).writeInt(length);
        if (command == NbdCommand.WRITE) {
            buf.writeBytes(data, 0, length);
        }
    }

    /** {@code count} requests of {@code length} bytes at random aligned offsets below {@code deviceBytes}. */
    static ByteBuf stream(ByteBufAllocator alloc, NbdCommand command, int count, int length, long deviceBytes, long seed) {
        ByteBuf data = alloc.directBuffer(length);
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < length; i++) {
            data.writeByte(random.nextInt(256));
        }
        ByteBuf buf = alloc.directBuffer(count * requestBytes(command, length));
        long blocks = deviceBytes / length;
        for (int i = 0; i < count; i++) {
            writeRequest(buf, command, i, random.nextLong(blocks) * length, length, data);
        }
        data.release();
        return buf;
    }

    /** A direct buffer of {@code length} pseudo-random bytes. */
    static ByteBuf randomData(ByteBufAllocator alloc, int length, long seed) {
        ByteBuf data = alloc.directBuffer(length);
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < length; i++) {
            data.writeByte(random.nextInt(256));
        }
        return data;
    }
}
