package io.replicator.nbd.wire;

import io.netty.buffer.ByteBuf;

/**
 * One transmission request. {@code type} is the raw wire code so that an unknown command can still be
 * answered; {@code payload} is a retained slice of the received bytes for WRITE, otherwise null.
 * {@code offset} is the wire's u64 taken as signed: a negative value is out of range.
 */
public record NbdRequest(int flags, int type, long cookie, long offset, long length, ByteBuf payload) {
    public NbdCommand command() {
        return NbdCommand.of(type);
    }

    public boolean fua() {
        return (flags & NbdConstants.CMD_FLAG_FUA) != 0;
    }

    public void release() {
        if (payload != null) {
            payload.release();
        }
    }
}
