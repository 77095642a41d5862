package io.replicator.wire;

/**
 * Constants of the replication link's framing. A frame, big-endian:
 * <pre>
 *   u32 magic | u8 type | u8 flags | u16 reserved (0) | u32 bodyLength | u32 uncompressedLength
 *   body (bodyLength bytes)
 *   u32 crc32c over type .. end of body
 * </pre>
 * The body holds a message's fields in record order; see {@link MessageBodies}.
 */
public final class WireConstants {

    /** "RPLK": replication link. */
    public static final int MAGIC = 0x52504c4b;
    /** Protocol version, carried in {@link Message.Hello}. */
    public static final int VERSION = 3;

    public static final int HEADER_BYTES = 16;
    public static final int TRAILER_BYTES = 4;
    /** The CRC covers the frame from the type byte on: everything but the magic and itself. */
    public static final int CRC_START = 4;
    /** Header offsets. */
    static final int TYPE_OFFSET = 4;
    static final int FLAGS_OFFSET = 5;
    static final int RESERVED_OFFSET = 6;
    static final int BODY_LENGTH_OFFSET = 8;
    static final int UNCOMPRESSED_LENGTH_OFFSET = 12;

    /** Frame flag: the body is one LZ4 block, {@code uncompressedLength} bytes once decompressed. */
    public static final int FRAME_FLAG_LZ4 = 1;
    public static final int FRAME_FLAGS_KNOWN = FRAME_FLAG_LZ4;

    /** Payload of one Write or ResyncData. */
    public static final int MAX_DATA_BYTES = 32 * 1024 * 1024;
    /** UTF-8 bytes of a string field (its length is a u8). */
    public static final int MAX_STRING_BYTES = 255;
    public static final int MAX_NONCE_BYTES = 64;
    public static final int MAX_MAC_BYTES = 64;
    /** A region's digest: SHA-256. */
    public static final int DIGEST_BYTES = 32;
    /** Generation history entries in NodeInfo and InSync. */
    public static final int MAX_GENERATIONS = 64;
    /** Extents in NodeInfo's suspectExtents: the activity log's largest size (DRBD's al-extents maximum). */
    public static final int MAX_SUSPECT_EXTENTS = 65534;
    /** The largest body of any message: a Write's fields and its largest payload. */
    public static final int MAX_BODY_BYTES = MessageType.WRITE.maxFieldsBytes + MAX_DATA_BYTES;

    private WireConstants() {
    }
}
