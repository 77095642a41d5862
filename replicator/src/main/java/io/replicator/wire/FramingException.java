package io.replicator.wire;

import io.netty.handler.codec.CorruptedFrameException;

/**
 * The peer sent bytes that are not a valid frame (bad magic or CRC, a length over its bound, a field
 * out of range). The stream cannot be trusted after it: the connection is closed.
 */
public final class FramingException extends CorruptedFrameException {

    public FramingException(String message) {
        super(message);
    }

    public FramingException(String message, Throwable cause) {
        super(message, cause);
    }
}
