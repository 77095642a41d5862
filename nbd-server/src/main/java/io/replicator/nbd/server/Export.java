package io.replicator.nbd.server;

import static io.replicator.nbd.wire.NbdConstants.*;

import io.replicator.nbd.device.BlockDevice;

/**
 * One named export: a device and how it is offered. {@code minBlockBytes} is the advertised minimum
 * block size; requests not aligned to it get EINVAL (1 = no alignment required).
 */
public record Export(String name, String description, BlockDevice device, boolean readOnly, int minBlockBytes) {

    public Export {
        if (minBlockBytes < 1 || minBlockBytes > 65536 || Integer.bitCount(minBlockBytes) != 1) {
            throw new IllegalArgumentException("minimum block size: " + minBlockBytes + " (expected: a power of two from 1 to 65536)");
        }
        if (name.length() > MAX_STRING_BYTES) {
            throw new IllegalArgumentException("export name length: " + name.length() + " (expected: <= " + MAX_STRING_BYTES + ")");
        }
        readOnly = readOnly || device.isReadOnly();
    }

    public long sizeBytes() {
        return device.sizeBytes();
    }

    public int preferredBlockBytes() {
        return Math.max(minBlockBytes, PREFERRED_BLOCK_BYTES);
    }

    /** Transmission flags for this export; DF only when structured replies were negotiated. */
    public int transmissionFlags(boolean structuredReplies) {
        int flags = TX_HAS_FLAGS | TX_SEND_FLUSH | TX_SEND_FUA | TX_SEND_CACHE;
        if (readOnly) {
            flags |= TX_READ_ONLY;
        } else {
            flags |= TX_SEND_WRITE_ZEROES;
            flags |= device.canTrim() ? TX_SEND_TRIM : 0;
            flags |= device.canFastZero() ? TX_SEND_FAST_ZERO : 0;
        }
        flags |= device.canMultiConn() ? TX_CAN_MULTI_CONN : 0;
        flags |= device.isRotational() ? TX_ROTATIONAL : 0;
        flags |= structuredReplies ? TX_SEND_DF : 0;
        return flags;
    }
}
