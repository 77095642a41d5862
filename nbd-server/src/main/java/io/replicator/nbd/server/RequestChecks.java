package io.replicator.nbd.server;

import static io.replicator.nbd.wire.NbdConstants.*;

import io.replicator.nbd.wire.NbdCommand;
import io.replicator.nbd.wire.NbdError;
import io.replicator.nbd.wire.NbdRequest;

/** Validation of a request against its export, with the error the NBD spec names for each case. */
final class RequestChecks {
    private RequestChecks() {}

    /** OK, or the error to reply without touching the device. */
    static NbdError check(NbdRequest request, Export export, boolean structured, boolean baseAllocation) {
        NbdCommand command = request.command();
        if (command == null) {
            return NbdError.EINVAL;
        }
        if (command == NbdCommand.DISC) {
            return NbdError.OK; // DISC gets no reply, whatever its flags
        }
        int flags = request.flags();
        if ((flags & ~command.allowedFlags) != 0 || ((flags & CMD_FLAG_DF) != 0 && !structured)) {
            return NbdError.EINVAL;
        }
        if (command.modifiesData() && export.readOnly()) {
            return NbdError.EPERM;
        }
        return switch (command) {
            case DISC -> NbdError.OK; // handled above
            case FLUSH -> request.offset() == 0 && request.length() == 0 ? NbdError.OK : NbdError.EINVAL;
            case WRITE, WRITE_ZEROES -> checkRange(request, export, NbdError.ENOSPC);
            case READ -> request.length() > MAX_PAYLOAD_BYTES
                    ? ((flags & CMD_FLAG_DF) != 0 ? NbdError.EOVERFLOW : NbdError.EINVAL)
                    : checkRange(request, export, NbdError.EINVAL);
            case TRIM, CACHE -> checkRange(request, export, NbdError.EINVAL);
            case BLOCK_STATUS -> !baseAllocation || request.length() == 0
                    ? NbdError.EINVAL
                    : checkRange(request, export, NbdError.EINVAL);
        };
    }

    private static NbdError checkRange(NbdRequest request, Export export, NbdError beyondEnd) {
        long offset = request.offset();
        long length = request.length();
        long size = export.sizeBytes();
        if (offset < 0 || offset > size || length > size - offset) {
            return beyondEnd;
        }
        int mask = export.minBlockBytes() - 1;
        if (((offset | length) & mask) != 0) {
            return NbdError.EINVAL;
        }
        return NbdError.OK;
    }

    /** A short text for the structured error chunk and the log. */
    static String describe(NbdError error, NbdRequest request) {
        String what = request.command() == null ? "command " + request.type() : request.command().name();
        return switch (error) {
            case EPERM -> what + " on a read-only export";
            case ENOSPC -> what + " beyond the end of the export";
            case EOVERFLOW -> what + " longer than " + MAX_PAYLOAD_BYTES + " bytes";
            case EINVAL -> "invalid " + what + " (range, alignment, flags or unknown command)";
            case ENOTSUP -> what + ": fast zeroing is not possible here";
            default -> what + " failed: " + error;
        };
    }
}
