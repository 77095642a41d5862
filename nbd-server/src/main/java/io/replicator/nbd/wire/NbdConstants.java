package io.replicator.nbd.wire;

/** Wire constants of the NBD protocol (doc/proto.md of NetworkBlockDevice/nbd). */
public final class NbdConstants {
    private NbdConstants() {}

    // Handshake
    public static final long NBDMAGIC = 0x4e42444d41474943L;
    public static final long IHAVEOPT = 0x49484156454F5054L;
    public static final long OPTION_REPLY_MAGIC = 0x3e889045565a9L;
    public static final int FLAG_FIXED_NEWSTYLE = 1;
    public static final int FLAG_NO_ZEROES = 1 << 1;
    public static final int CLIENT_FLAG_FIXED_NEWSTYLE = 1;
    public static final int CLIENT_FLAG_NO_ZEROES = 1 << 1;

    // Options
    public static final int OPT_EXPORT_NAME = 1;
    public static final int OPT_ABORT = 2;
    public static final int OPT_LIST = 3;
    public static final int OPT_STARTTLS = 5;
    public static final int OPT_INFO = 6;
    public static final int OPT_GO = 7;
    public static final int OPT_STRUCTURED_REPLY = 8;
    public static final int OPT_LIST_META_CONTEXT = 9;
    public static final int OPT_SET_META_CONTEXT = 10;

    // Option reply types
    public static final int REP_ACK = 1;
    public static final int REP_SERVER = 2;
    public static final int REP_INFO = 3;
    public static final int REP_META_CONTEXT = 4;
    public static final int REP_FLAG_ERROR = 1 << 31;
    public static final int REP_ERR_UNSUP = REP_FLAG_ERROR | 1;
    public static final int REP_ERR_POLICY = REP_FLAG_ERROR | 2;
    public static final int REP_ERR_INVALID = REP_FLAG_ERROR | 3;
    public static final int REP_ERR_PLATFORM = REP_FLAG_ERROR | 4;
    public static final int REP_ERR_TLS_REQD = REP_FLAG_ERROR | 5;
    public static final int REP_ERR_UNKNOWN = REP_FLAG_ERROR | 6;
    public static final int REP_ERR_SHUTDOWN = REP_FLAG_ERROR | 7;
    public static final int REP_ERR_BLOCK_SIZE_REQD = REP_FLAG_ERROR | 8;
    public static final int REP_ERR_TOO_BIG = REP_FLAG_ERROR | 9;

    // NBD_INFO_* in REP_INFO
    public static final int INFO_EXPORT = 0;
    public static final int INFO_NAME = 1;
    public static final int INFO_DESCRIPTION = 2;
    public static final int INFO_BLOCK_SIZE = 3;

    // Transmission flags
    public static final int TX_HAS_FLAGS = 1;
    public static final int TX_READ_ONLY = 1 << 1;
    public static final int TX_SEND_FLUSH = 1 << 2;
    public static final int TX_SEND_FUA = 1 << 3;
    public static final int TX_ROTATIONAL = 1 << 4;
    public static final int TX_SEND_TRIM = 1 << 5;
    public static final int TX_SEND_WRITE_ZEROES = 1 << 6;
    public static final int TX_SEND_DF = 1 << 7;
    public static final int TX_CAN_MULTI_CONN = 1 << 8;
    public static final int TX_SEND_CACHE = 1 << 10;
    public static final int TX_SEND_FAST_ZERO = 1 << 11;

    // Transmission phase
    public static final int REQUEST_MAGIC = 0x25609513;
    public static final int SIMPLE_REPLY_MAGIC = 0x67446698;
    public static final int STRUCTURED_REPLY_MAGIC = 0x668e33ef;
    public static final int REQUEST_HEADER_BYTES = 28;
    public static final int SIMPLE_REPLY_HEADER_BYTES = 16;
    public static final int STRUCTURED_REPLY_HEADER_BYTES = 20;

    // Command flags
    public static final int CMD_FLAG_FUA = 1;
    public static final int CMD_FLAG_NO_HOLE = 1 << 1;
    public static final int CMD_FLAG_DF = 1 << 2;
    public static final int CMD_FLAG_REQ_ONE = 1 << 3;
    public static final int CMD_FLAG_FAST_ZERO = 1 << 4;

    // Structured reply chunks
    public static final int REPLY_FLAG_DONE = 1;
    public static final int REPLY_TYPE_NONE = 0;
    public static final int REPLY_TYPE_OFFSET_DATA = 1;
    public static final int REPLY_TYPE_OFFSET_HOLE = 2;
    public static final int REPLY_TYPE_BLOCK_STATUS = 5;
    public static final int REPLY_TYPE_ERROR = (1 << 15) + 1;
    public static final int REPLY_TYPE_ERROR_OFFSET = (1 << 15) + 2;

    // base:allocation
    public static final String META_BASE_ALLOCATION = "base:allocation";
    public static final int META_ID_BASE_ALLOCATION = 1;
    public static final int STATE_HOLE = 1;
    public static final int STATE_ZERO = 2;

    /** Largest WRITE payload and READ length we accept; the spec's default maximum. */
    public static final int MAX_PAYLOAD_BYTES = 32 * 1024 * 1024;
    /** Largest option payload in the handshake; larger ones close the connection. */
    public static final int MAX_OPTION_BYTES = 64 * 1024;
    /** Largest string (export name, query) the spec allows. */
    public static final int MAX_STRING_BYTES = 4096;
    /** Largest read that DF must serve unfragmented: we never fragment, so any read qualifies. */
    public static final int PREFERRED_BLOCK_BYTES = 4096;
}
