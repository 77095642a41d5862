package io.replicator.control;

import java.io.IOException;

/** Nothing accepted a connection on the control socket: the daemon is not running there. */
public final class DaemonUnreachableException extends IOException {
    private static final long serialVersionUID = 1L;

    public DaemonUnreachableException(String message, Throwable cause) {
        super(message, cause);
    }
}
