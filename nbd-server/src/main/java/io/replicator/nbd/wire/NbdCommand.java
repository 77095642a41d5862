package io.replicator.nbd.wire;

import static io.replicator.nbd.wire.NbdConstants.*;

/** Transmission commands, with the flags each one may carry (FUA is valid on every command). */
public enum NbdCommand {
    READ(0, CMD_FLAG_FUA | CMD_FLAG_DF),
    WRITE(1, CMD_FLAG_FUA),
    DISC(2, CMD_FLAG_FUA),
    FLUSH(3, CMD_FLAG_FUA),
    TRIM(4, CMD_FLAG_FUA),
    CACHE(5, CMD_FLAG_FUA),
    WRITE_ZEROES(6, CMD_FLAG_FUA | CMD_FLAG_NO_HOLE | CMD_FLAG_FAST_ZERO),
    BLOCK_STATUS(7, CMD_FLAG_FUA | CMD_FLAG_REQ_ONE);

    private static final NbdCommand[] BY_CODE = values();

    public final int code;
    public final int allowedFlags;

    NbdCommand(int code, int allowedFlags) {
        this.code = code;
        this.allowedFlags = allowedFlags;
    }

    /** The command for a wire code, or null for an unknown one (answered with EINVAL). */
    public static NbdCommand of(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }

    public boolean modifiesData() {
        return this == WRITE || this == TRIM || this == WRITE_ZEROES;
    }
}
