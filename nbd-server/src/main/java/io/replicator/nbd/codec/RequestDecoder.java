package io.replicator.nbd.codec;

import static io.replicator.nbd.wire.NbdConstants.MAX_PAYLOAD_BYTES;
import static io.replicator.nbd.wire.NbdConstants.REQUEST_HEADER_BYTES;
import static io.replicator.nbd.wire.NbdConstants.REQUEST_MAGIC;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import io.replicator.nbd.wire.NbdCommand;
import io.replicator.nbd.wire.NbdRequest;
import java.util.List;

/**
 * Transmission-phase request decoder. A framing error (bad magic, a WRITE payload over the bound)
 * throws, which closes the connection: after it the stream cannot be trusted. The bound is checked
 * on the header, before a byte of payload is buffered. Small WRITE payloads are retained slices of
 * the received bytes (no copy); large ones are copied once into a buffer of their exact size.
 */
public final class RequestDecoder extends ByteToMessageDecoder {
    /** WRITE payloads above this are assembled in their own buffer; smaller ones are slices. */
    static final int ASSEMBLY_THRESHOLD_BYTES = 64 * 1024;
    private static final int ASSEMBLY_INITIAL_BYTES = 1 << 20;

    private enum State { HEADER, PAYLOAD, BROKEN }

    private State state = State.HEADER;
    private int flags;
    private int type;
    private long cookie;
    private long offset;
    private long length;
    /** A large WRITE's payload, assembled in a buffer of its exact size; null for small ones. */
    private ByteBuf assembly;

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        switch (state) {
            case HEADER -> decodeHeader(ctx, in, out);
            case PAYLOAD -> decodePayload(ctx, in, out);
            case BROKEN -> in.skipBytes(in.readableBytes());
        }
    }

    private void decodeHeader(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (in.readableBytes() < REQUEST_HEADER_BYTES) {
            return;
        }
        int magic = in.readInt();
        if (magic != REQUEST_MAGIC) {
            state = State.BROKEN;
            throw new CorruptedFrameException("bad request magic: 0x" + Integer.toHexString(magic));
        }
        flags = in.readUnsignedShort();
        type = in.readUnsignedShort();
        cookie = in.readLong();
        offset = in.readLong();
        length = in.readUnsignedInt();
        if (type != NbdCommand.WRITE.code) {
            out.add(new NbdRequest(flags, type, cookie, offset, length, null));
            return;
        }
        if (length > MAX_PAYLOAD_BYTES) {
            state = State.BROKEN;
            throw new TooLongFrameException("write length: " + length + " (expected: <= " + MAX_PAYLOAD_BYTES + ")");
        }
        state = State.PAYLOAD;
        if (length > ASSEMBLY_THRESHOLD_BYTES && in.readableBytes() < length) {
            // copy once into a buffer of its own rather than grow the cumulation (several copies); it
            // starts at 1 MiB at most so that a header alone cannot pin 32 MiB
            assembly = ctx.alloc().directBuffer((int) Math.min(length, ASSEMBLY_INITIAL_BYTES), (int) length);
        }
        decodePayload(ctx, in, out);
    }

    private void decodePayload(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        ByteBuf payload;
        if (assembly != null) {
            assembly.writeBytes(in, (int) Math.min(in.readableBytes(), length - assembly.writerIndex())); // grows as bytes come
            if (assembly.writerIndex() < length) {
                return;
            }
            payload = assembly;
            assembly = null;
        } else if (in.readableBytes() >= length) {
            payload = in.readRetainedSlice((int) length);
        } else {
            return;
        }
        state = State.HEADER;
        out.add(new NbdRequest(flags, type, cookie, offset, length, payload));
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        if (assembly != null) {
            assembly.release();
            assembly = null;
        }
    }
}
