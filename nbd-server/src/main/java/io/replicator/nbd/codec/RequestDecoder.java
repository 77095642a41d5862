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
 * on the header, before a byte of payload is buffered. WRITE payloads are retained slices of the
 * received bytes: no copy.
 */
public final class RequestDecoder extends ByteToMessageDecoder {

    private enum State { HEADER, PAYLOAD, BROKEN }

    private State state = State.HEADER;
    private int flags;
    private int type;
    private long cookie;
    private long offset;
    private long length;

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        switch (state) {
            case HEADER -> decodeHeader(in, out);
            case PAYLOAD -> decodePayload(in, out);
            case BROKEN -> in.skipBytes(in.readableBytes());
        }
    }

    private void decodeHeader(ByteBuf in, List<Object> out) {
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
        decodePayload(in, out);
    }

    private void decodePayload(ByteBuf in, List<Object> out) {
        if (in.readableBytes() < length) {
            return;
        }
        ByteBuf payload = in.readRetainedSlice((int) length);
        state = State.HEADER;
        out.add(new NbdRequest(flags, type, cookie, offset, length, payload));
    }
}
