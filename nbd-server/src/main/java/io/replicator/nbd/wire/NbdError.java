package io.replicator.nbd.wire;

/** The error values an NBD reply may carry. */
public enum NbdError {
    OK(0), EPERM(1), EIO(5), ENOMEM(12), EINVAL(22), ENOSPC(28), EOVERFLOW(75), ENOTSUP(95), ESHUTDOWN(108);

    public final int code;

    NbdError(int code) {
        this.code = code;
    }
}
