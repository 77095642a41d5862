package io.replicator.nbd.server;

import io.replicator.nbd.device.BlockDevice.FastZeroUnsupportedException;
import io.replicator.nbd.device.BlockDevice.NotPermittedException;
import io.replicator.nbd.device.Syscalls.ErrnoException;
import io.replicator.nbd.wire.NbdError;
import java.io.IOException;

/** The one place where a device failure becomes one of the few NBD errors (after it was logged). */
final class ErrorMapping {
    private static final int EPERM = 1;
    private static final int EACCES = 13;
    private static final int ENOSPC = 28;
    private static final int EROFS = 30;
    private static final int EDQUOT = 122;

    private ErrorMapping() {}

    static NbdError of(IOException e) {
        if (e instanceof FastZeroUnsupportedException) {
            return NbdError.ENOTSUP;
        }
        if (e instanceof NotPermittedException) {
            return NbdError.EPERM;
        }
        if (e instanceof ErrnoException errno) {
            return switch (errno.errno()) {
                case ENOSPC, EDQUOT -> NbdError.ENOSPC;
                case EPERM, EACCES, EROFS -> NbdError.EPERM;
                default -> NbdError.EIO;
            };
        }
        // FileChannel reports errno only as text
        String message = String.valueOf(e.getMessage());
        if (message.contains("No space left") || message.contains("Disk quota exceeded")) {
            return NbdError.ENOSPC;
        }
        return NbdError.EIO;
    }
}
