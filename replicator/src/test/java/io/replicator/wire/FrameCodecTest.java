package io.replicator.wire;

import io.replicator.nbd.codec.TrackingAllocator;
import static io.replicator.wire.FrameBytes.concat;
import static io.replicator.wire.FrameBytes.encode;
import static io.replicator.wire.FrameBytes.feed;
import static io.replicator.wire.FrameBytes.feedBytewise;
import static io.replicator.wire.FrameBytes.fixCrc;
import static io.replicator.wire.FrameBytes.frame;
import static io.replicator.wire.FrameBytes.headerInt;
import static io.replicator.wire.WireConstants.BODY_LENGTH_OFFSET;
import static io.replicator.wire.WireConstants.FLAGS_OFFSET;
import static io.replicator.wire.WireConstants.FRAME_FLAG_LZ4;
import static io.replicator.wire.WireConstants.HEADER_BYTES;
import static io.replicator.wire.WireConstants.MAGIC;
import static io.replicator.wire.WireConstants.MAX_DATA_BYTES;
import static io.replicator.wire.WireConstants.TRAILER_BYTES;
import static io.replicator.wire.WireConstants.UNCOMPRESSED_LENGTH_OFFSET;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.EncoderException;
import io.replicator.wire.FrameBytes.Body;
import io.replicator.wire.Message.Ping;
import io.replicator.wire.Message.Write;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class FrameCodecTest {

    private static final int SAMPLE_DATA_BYTES = 600;

    private final TrackingAllocator alloc = new TrackingAllocator();

    @AfterEach
    void everyBufferReleased() {
        alloc.assertAllReleased();
    }

    // ---- the type table

    @Test
    void everyMessageRecordHasOneType() {
        Set<Class<?>> records = new HashSet<>();
        collectRecords(Message.class, records);
        Set<Class<?>> typed = new HashSet<>();
        for (MessageType t : MessageType.values()) {
            assertTrue(typed.add(t.recordClass), "two types for " + t.recordClass);
            assertEquals(t, MessageType.fromCode(t.code));
        }
        assertEquals(records, typed);
        assertEquals(MessageType.values().length, records.size());
        assertNull(MessageType.fromCode(0));
        assertNull(MessageType.fromCode(0xff));
    }

    private static void collectRecords(Class<?> sealed, Set<Class<?>> records) {
        for (Class<?> c : sealed.getPermittedSubclasses()) {
            if (c.isRecord()) {
                records.add(c);
            } else {
                collectRecords(c, records);
            }
        }
    }

    @Test
    void boundsAreTheLargestEncodings() {
        int largestBody = 0;
        for (MessageType type : MessageType.values()) {
            Message m = SampleMessages.largest(type, type.hasData ? alloc.copyOf(new byte[100]) : null);
            assertEquals(type, MessageType.of(m));
            byte[] frame = encode(m, false, alloc);
            int fields = frame.length - HEADER_BYTES - TRAILER_BYTES - (type.hasData ? 100 : 0);
            assertEquals(type.maxFieldsBytes, fields, type + " fields");
            largestBody = Math.max(largestBody, type.maxBodyBytes);
        }
        assertEquals(WireConstants.MAX_BODY_BYTES, largestBody);
    }

    // ---- round trips

    /** Every type, alone, fed in two pieces split at every byte position. */
    @ParameterizedTest(name = "compress={0} data={1}")
    @CsvSource({"false, text", "false, random", "true, text", "true, random"})
    void everyTypeRoundTripsSplitAtEveryPosition(boolean compress, String dataKind) {
        for (MessageType type : MessageType.values()) {
            byte[] bytes = encode(sample(type, dataKind), compress, alloc);
            boolean packed = (bytes[FLAGS_OFFSET] & FRAME_FLAG_LZ4) != 0;
            if (type.hasData && dataKind.equals("text")) {
                assertEquals(compress, packed, type + " sent compressed");
            }
            for (int split = 0; split <= bytes.length; split++) {
                int at = split;
                decodeAndCheck(channel -> feed(channel, alloc, bytes, at), List.of(type), dataKind, type + " split at " + at);
            }
        }
    }

    /** A stream of every type, fed one byte at a time. */
    @ParameterizedTest(name = "compress={0} data={1}")
    @CsvSource({"false, text", "false, random", "true, text", "true, random"})
    void aStreamOfEveryTypeRoundTripsOneByteAtATime(boolean compress, String dataKind) {
        List<MessageType> types = List.of(MessageType.values());
        List<byte[]> frames = new ArrayList<>();
        for (MessageType type : types) {
            frames.add(encode(sample(type, dataKind), compress, alloc));
        }
        byte[] stream = concat(frames.toArray(new byte[0][]));
        decodeAndCheck(channel -> feedBytewise(channel, alloc, stream), types, dataKind, "byte by byte");
        decodeAndCheck(channel -> feed(channel, alloc, stream), types, dataKind, "whole");
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void largePayloadsRoundTrip(boolean compress) {
        for (byte[] data : List.of(SampleMessages.textBytes(5, 1 << 20), SampleMessages.randomBytes(6, MAX_DATA_BYTES))) {
            Write write = new Write(1, 2, 1L << 40, 0, alloc.copyOf(data));
            byte[] bytes = encode(write, compress, alloc);
            EmbeddedChannel channel = decoder();
            int[] cuts = new int[bytes.length / 65536];
            Arrays.setAll(cuts, i -> (i + 1) * 65536);
            feed(channel, alloc, bytes, cuts);
            Write decoded = channel.readInbound();
            try {
                assertArrayEquals(data, ByteBufUtil.getBytes(decoded.data()));
                assertEquals(1L << 40, decoded.offset());
            } finally {
                decoded.data().release();
            }
            assertFalse(channel.finish());
        }
    }

    /** The encoder sends the payload's own memory, and the decoder hands out the received memory. */
    @Test
    void uncompressedPayloadsAreNotCopied() {
        ByteBuf data = alloc.directBuffer(64).writeBytes(SampleMessages.randomBytes(7, 64));
        EmbeddedChannel encoder = new EmbeddedChannel(new FrameEncoder(false));
        encoder.config().setAllocator(alloc);
        encoder.writeOutbound(new Write(1, 1, 0, 0, data));
        ByteBuf frame = encoder.readOutbound();
        assertEquals(1, data.refCnt(), "the frame holds the payload");
        int dataAt = HEADER_BYTES + MessageType.WRITE.maxFieldsBytes;
        byte original = data.getByte(5);
        data.setByte(5, original ^ 0x5a);
        assertEquals(original ^ 0x5a, frame.getByte(dataAt + 5), "the frame sees a later change to the payload: no copy");
        data.setByte(5, original); // as it was when the CRC was computed
        ByteBuf input = alloc.copyOf(ByteBufUtil.getBytes(frame));
        frame.release();
        assertEquals(0, data.refCnt());

        EmbeddedChannel decoder = decoder();
        decoder.writeInbound(input);
        Write decoded = decoder.readInbound();
        input.setByte(dataAt + 6, 0xa5);
        assertEquals((byte) 0xa5, decoded.data().getByte(6), "the payload sees a later change to the input: no copy");
        decoded.data().release();
        assertEquals(0, input.refCnt());
        assertFalse(decoder.finish());
        assertFalse(encoder.finish());
    }

    @Test
    void compressesOnlyWhatGetsSmaller() {
        byte[] text = SampleMessages.textBytes(8, 4096);
        byte[] packed = encode(new Write(1, 1, 0, 0, alloc.copyOf(text)), true, alloc);
        assertEquals(FRAME_FLAG_LZ4, packed[FLAGS_OFFSET]);
        assertTrue(headerInt(packed, BODY_LENGTH_OFFSET) < headerInt(packed, UNCOMPRESSED_LENGTH_OFFSET) / 2,
                "text compresses to under half");
        byte[] random = encode(new Write(1, 1, 0, 0, alloc.copyOf(SampleMessages.randomBytes(9, 4096))), true, alloc);
        assertEquals(0, random[FLAGS_OFFSET]);
        assertEquals(headerInt(random, BODY_LENGTH_OFFSET), headerInt(random, UNCOMPRESSED_LENGTH_OFFSET));
        byte[] plain = encode(new Write(1, 1, 0, 0, alloc.copyOf(text)), false, alloc);
        assertEquals(0, plain[FLAGS_OFFSET]);
        byte[] small = encode(new Ping(1), true, alloc);
        assertEquals(0, small[FLAGS_OFFSET], "too small to try");
    }

    // ---- the encoder refuses what the decoder would

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void encoderRefusesABadMessageAndStillReleasesItsPayload(boolean compress) {
        EmbeddedChannel encoder = new EmbeddedChannel(new FrameEncoder(compress));
        encoder.config().setAllocator(alloc);
        ByteBuf data = alloc.copyOf(new byte[10]);
        EncoderException e = assertThrows(EncoderException.class, () -> encoder.writeOutbound(new Write(1, 1, -4096, 0, data)));
        assertTrue(e.getMessage().contains("Write offset: -4096 (expected: >= 0)"), e.getMessage());
        assertEquals(0, data.refCnt());
        ByteBuf tooLong = alloc.buffer(MAX_DATA_BYTES + 1).writerIndex(MAX_DATA_BYTES + 1);
        e = assertThrows(EncoderException.class, () -> encoder.writeOutbound(new Write(1, 1, 0, 0, tooLong)));
        assertTrue(e.getMessage().contains("Write data length: 33554433 (expected: <= 33554432)"), e.getMessage());
        assertEquals(0, tooLong.refCnt());
        e = assertThrows(EncoderException.class, () -> encoder.writeOutbound(new Message.Refused("x".repeat(256))));
        assertTrue(e.getMessage().contains("Refused reason length: 256 UTF-8 bytes (expected: <= 255)"), e.getMessage());
        e = assertThrows(EncoderException.class, () -> encoder.writeOutbound(new Message.Refused("\ud800")));
        assertTrue(e.getMessage().contains("unpaired surrogate"), e.getMessage());
        assertFalse(encoder.finish());
    }

    // ---- framing errors

    @Test
    void rejectsBadMagic() {
        byte[] bytes = encode(new Ping(1), false, alloc);
        bytes[0] ^= 0x20;
        assertFramingError(bytes, "frame magic: 0x72504c4b (expected: 0x52504c4b)");
    }

    /**
     * Every single-bit flip and every byte inverted, anywhere in a small frame, is caught once the frame
     * and what follows it are in (a compressed frame whose body length grew waits for the extra bytes).
     */
    @Test
    void detectsEveryCorruptionOfASmallFrame() {
        List<byte[]> frames = List.of(encode(new Ping(0x1234), false, alloc),
                encode(new Write(3, 4, 512, Message.FLAG_FUA, alloc.copyOf(SampleMessages.randomBytes(10, 16))), false, alloc),
                encode(new Write(3, 4, 512, 0, alloc.copyOf(SampleMessages.textBytes(11, 300))), true, alloc));
        assertEquals(FRAME_FLAG_LZ4, frames.get(2)[FLAGS_OFFSET]);
        byte[] after = encode(new Ping(1), false, alloc);
        for (byte[] good : frames) {
            for (int i = 0; i < good.length; i++) {
                for (int mask : new int[] {1, 2, 4, 8, 16, 32, 64, 128, 255}) {
                    byte[] bad = good.clone();
                    bad[i] ^= (byte) mask;
                    assertFramingError(concat(bad, after, new byte[1024]), null);
                }
            }
        }
    }

    @Test
    void rejectsALengthOverTheBoundOnTheHeaderAlone() {
        byte[] header = FrameBytes.header(MAGIC, MessageType.WRITE.code, 0, 0, 64 << 20, 64 << 20);
        assertFramingError(header, "WRITE uncompressed body length: 67108864 (expected: <= 33554460)");
        header = FrameBytes.header(MAGIC, MessageType.WRITE.code, 0, 0, 40_000_000, 40_000_000);
        assertFramingError(header, "WRITE uncompressed body length: 40000000 (expected: <= 33554460)");
        header = FrameBytes.header(MAGIC, MessageType.PING.code, 0, 0, 9, 9);
        assertFramingError(header, "PING uncompressed body length: 9 (expected: <= 8)");
        header = FrameBytes.header(MAGIC, MessageType.PING.code, 0, 0, 0xffff_ffffL, 8);
        assertFramingError(header, "PING body length: 4294967295 (expected: 8, the uncompressed length)");
        header = FrameBytes.header(MAGIC, MessageType.WRITE.code, FRAME_FLAG_LZ4, 0, 0xffff_ffffL, 1000);
        assertFramingError(header, "WRITE compressed body length: 4294967295 (expected: < 1000, the uncompressed length)");
        header = FrameBytes.header(MAGIC, MessageType.WRITE.code, FRAME_FLAG_LZ4, 0, 1000, 255_001);
        assertFramingError(header, "WRITE uncompressed body length: 255001 (expected: <= 255000, 255 times the compressed length)");
    }

    /** The most an LZ4 block expands (zeros) is within the ratio the decoder allows. */
    @Test
    void theMostCompressibleBodyIsAccepted() {
        byte[] zeros = new byte[MAX_DATA_BYTES];
        byte[] bytes = encode(new Write(0, 0, 0, 0, alloc.copyOf(zeros)), true, alloc);
        long body = headerInt(bytes, BODY_LENGTH_OFFSET);
        long uncompressed = headerInt(bytes, UNCOMPRESSED_LENGTH_OFFSET);
        assertTrue(uncompressed > 250 * body, "ratio " + (double) uncompressed / body);
        EmbeddedChannel channel = decoder();
        channel.writeInbound(alloc.copyOf(bytes));
        Write decoded = channel.readInbound();
        assertEquals(MAX_DATA_BYTES, decoded.data().readableBytes());
        decoded.data().release();
        assertFalse(channel.finish());
    }

    @Test
    void rejectsADecompressedLengthThatIsNotTheStatedOne() {
        byte[] good = encode(new Write(1, 1, 0, 0, alloc.copyOf(SampleMessages.textBytes(12, 4096))), true, alloc);
        int stated = headerInt(good, UNCOMPRESSED_LENGTH_OFFSET);
        byte[] longer = good.clone();
        java.nio.ByteBuffer.wrap(longer).putInt(UNCOMPRESSED_LENGTH_OFFSET, stated + 1);
        fixCrc(longer, 0);
        assertFramingError(longer, "WRITE decompressed body length: " + stated + " (expected: " + (stated + 1) + ")");
        byte[] shorter = good.clone();
        java.nio.ByteBuffer.wrap(shorter).putInt(UNCOMPRESSED_LENGTH_OFFSET, stated - 1);
        fixCrc(shorter, 0);
        assertFramingError(shorter, "WRITE compressed body: not valid LZ4 for " + (stated - 1) + " bytes");
        byte[] garbage = good.clone();
        Arrays.fill(garbage, HEADER_BYTES, HEADER_BYTES + 40, (byte) 0xf0);
        fixCrc(garbage, 0);
        assertFramingError(garbage, "WRITE compressed body: not valid LZ4");
    }

    @Test
    void rejectsUnknownTypeFlagsAndReserved() {
        byte[] ping = new Body().i64(1).toBytes();
        assertFramingError(frame(MAGIC, 0x00, 0, 0, 8, 8, ping), "frame type: 0x00 (expected: a known message type)");
        assertFramingError(frame(MAGIC, 0xff, 0, 0, 8, 8, ping), "frame type: 0xff");
        assertFramingError(frame(MAGIC, MessageType.PING.code, 0x02, 0, 8, 8, ping), "PING frame flags: 0x02 (expected: bits of 0x01)");
        assertFramingError(frame(MAGIC, MessageType.PING.code, 0x80, 0, 8, 8, ping), "PING frame flags: 0x80");
        assertFramingError(frame(MAGIC, MessageType.PING.code, 0, 1, 8, 8, ping), "PING frame reserved: 1 (expected: 0)");
    }

    @Test
    void rejectsTruncatedBodiesAndTrailingBytes() {
        assertFramingError(frame(MessageType.PING, new byte[7]), "PING body: 7 bytes left for id (expected: >= 8)");
        byte[] hello = new Body().i32(1).string("r0").string("a").i64(4096).lengthAndBytes(new byte[8]).toBytes();
        assertFramingError(frame(MessageType.HELLO, concat(hello, new byte[1])), "HELLO body: 1 trailing bytes (expected: 0)");
        assertFramingError(frame(MessageType.HELLO, Arrays.copyOf(hello, hello.length - 1)),
                "HELLO body: 7 bytes left for nonce (expected: >= 8)");
        byte[] refused = new Body().u8(10).bytes("short".getBytes()).toBytes();
        assertFramingError(frame(MessageType.REFUSED, refused), "REFUSED body: 5 bytes left for reason (expected: >= 10)");
        byte[] generations = new Body().i64(1).i64(2).u16(2).i64(5).i64(6).i64(7).toBytes();
        assertFramingError(frame(MessageType.IN_SYNC, generations), "IN_SYNC body: 24 bytes left for generations (expected: >= 32)");
    }

    @Test
    void rejectsFieldsOutOfRange() {
        assertFramingError(frame(MessageType.WRITE, new Body().i64(1).i64(2).i64(-1).i32(0).toBytes()),
                "Write offset: -1 (expected: >= 0)");
        assertFramingError(frame(MessageType.WRITE, new Body().i64(1).i64(2).i64(0).i32(Message.FLAG_PUNCH).toBytes()),
                "Write flags: 0x2 (expected: bits of 0x1)");
        assertFramingError(frame(MessageType.WRITE, new Body().i64(-1).i64(2).i64(0).i32(0).toBytes()),
                "Write pos: -1 (expected: >= 0)");
        assertFramingError(frame(MessageType.WRITE, new Body().i64(1).i64(2).i64(Long.MAX_VALUE).i32(0).u8(0).toBytes()),
                "Write offset + length: 9223372036854775807 + 1 (expected: <= 9223372036854775807)");
        assertFramingError(frame(MessageType.TRIM, new Body().i64(1).i64(2).i64(0).i64(512).i32(Message.FLAG_PUNCH).toBytes()),
                "Trim flags: 0x2 (expected: bits of 0x1)");
        assertFramingError(frame(MessageType.ZEROES, new Body().i64(1).i64(2).i64(0).i64(512).i32(4).toBytes()),
                "Zeroes flags: 0x4 (expected: bits of 0x3)");
        assertFramingError(frame(MessageType.ZEROES, new Body().i64(1).i64(2).i64(0).i64(-512).i32(0).toBytes()),
                "Zeroes length: -512 (expected: >= 0)");
        assertFramingError(frame(MessageType.RESYNC_HOLE, new Body().i64(1).i64(Long.MAX_VALUE).i64(1).toBytes()),
                "ResyncHole offset + length");
        assertFramingError(frame(MessageType.NODE_INFO, new Body().u8(3).u8(0).i64(0).u8(0).u16(0).toBytes()),
                "NODE_INFO role: 3 (expected: < 3)");
        assertFramingError(frame(MessageType.NODE_INFO, new Body().u8(0).u8(7).i64(0).u8(0).u16(0).toBytes()),
                "NODE_INFO disk: 7 (expected: < 7)");
        assertFramingError(frame(MessageType.NODE_INFO, new Body().u8(0).u8(0).i64(0).u8(2).u16(0).toBytes()),
                "NODE_INFO justCreated: 2 (expected: 0 or 1)");
        assertFramingError(frame(MessageType.NODE_INFO, new Body().u8(0).u8(0).i64(-5).u8(0).u16(0).i64(0).u8(0).i64(0).u8(0).u8(0).u8(0).toBytes()),
                "NodeInfo lastSeq: -5 (expected: >= 0)");
        assertFramingError(frame(MessageType.NODE_INFO, new Body().u8(0).u8(0).i64(0).u8(0).u16(0).i64(0).u8(0).i64(-1).u8(0).u8(0).u8(0).toBytes()),
                "NodeInfo changedBytes: -1 (expected: >= 0)");
        // a count over the bound is refused before the list is allocated; the list must ascend
        assertFramingError(frame(MessageType.NODE_INFO, new Body().u8(0).u8(0).i64(0).u8(0).u16(0).i64(0).u8(0).i64(0).u8(0).u8(1)
                .u8(1).u16(65535).toBytes()), "NODE_INFO suspectExtents count: 65535 (expected: <= 65534)");
        assertFramingError(frame(MessageType.NODE_INFO, new Body().u8(0).u8(0).i64(0).u8(0).u16(0).i64(0).u8(0).i64(0).u8(0).u8(1)
                .u8(1).u16(2).i64(9).i64(4).toBytes()), "NodeInfo suspectExtents[1]: 4 (expected: > 9, ascending)");
        assertFramingError(frame(MessageType.NODE_INFO, new Body().u8(0).u8(0).i64(0).u8(0).u16(0).i64(0).u8(2).i64(0).u8(0).u8(0).toBytes()),
                "NODE_INFO bitmapFromPrimary: 2 (expected: 0 or 1)");
        assertFramingError(frame(MessageType.NODE_INFO, new Body().u8(0).u8(0).i64(0).u8(0).u16(65).toBytes()),
                "NODE_INFO generations count: 65 (expected: <= 64)");
        assertFramingError(frame(MessageType.IN_SYNC, new Body().i64(0).i64(0).u16(1).i64(7).i64(-1).toBytes()),
                "InSync generations[0] firstSeq: -1 (expected: >= 0)");
        assertFramingError(frame(MessageType.SYNC_START, new Body().i64(0).u8(3).i64(0).i64(0).i64(0).toBytes()),
                "SYNC_START kind: 3 (expected: < 3)");
        assertFramingError(frame(MessageType.HELLO, new Body().i32(1).u8(2).u8(0xc0).u8(0x80).string("n").i64(0).u8(0).toBytes()),
                "HELLO resource: not valid UTF-8");
        assertFramingError(frame(MessageType.HELLO, new Body().i32(1).string("r").string("n").i64(0).u8(65).bytes(new byte[65]).toBytes()),
                "HELLO nonce length: 65 (expected: <= 64)");
        assertFramingError(frame(MessageType.AUTH, new Body().u8(65).bytes(new byte[64]).toBytes()),
                "AUTH mac length: 65 (expected: <= 64)");
        assertFramingError(frame(MessageType.ACK, new Body().i64(5).i64(6).i64(4).toBytes()),
                "Ack written: 6 (expected: <= received 5)");
        assertFramingError(frame(MessageType.PROMOTE_REPLY, new Body().i64(5).u8(2).string("").toBytes()),
                "PROMOTE_REPLY granted: 2 (expected: 0 or 1)");
    }

    /** A payload already sliced (or decompressed) when a value check fails is released, not leaked (the allocator checks). */
    @Test
    void releasesThePayloadOfAMessageThatFailsItsChecks() {
        byte[] body = new Body().i64(1).i64(2).i64(0).i32(8).bytes(new byte[1000]).toBytes();
        assertFramingError(frame(MessageType.WRITE, body), "Write flags: 0x8");
        assertFramingError(FrameBytes.compressedFrame(MessageType.WRITE, body), "Write flags: 0x8");
        byte[] resync = new Body().i64(1).i64(-2).bytes(new byte[1000]).toBytes();
        assertFramingError(FrameBytes.compressedFrame(MessageType.RESYNC_DATA, resync), "ResyncData offset: -2 (expected: >= 0)");
    }

    // ---- after an error

    @Test
    void afterAnErrorTheDecoderDropsEverything() {
        byte[] ping = encode(new Ping(5), false, alloc);
        byte[] bad = ping.clone();
        bad[bad.length - 1] ^= 1;
        EmbeddedChannel channel = decoder();
        assertThrows(FramingException.class, () -> channel.writeInbound(alloc.copyOf(concat(ping, bad, ping))));
        Ping first = channel.readInbound();
        assertEquals(5, first.id(), "the frame before the bad one is delivered");
        assertNull(channel.readInbound(), "nothing after the bad frame");
        channel.writeInbound(alloc.copyOf(ping));
        channel.writeInbound(alloc.copyOf(encode(new Write(1, 1, 0, 0, alloc.copyOf(new byte[100])), false, alloc)));
        assertNull(channel.readInbound());
        assertFalse(channel.finish());
    }

    @Test
    void aConnectionClosedMidFrameYieldsNothing() {
        byte[] write = encode(new Write(1, 1, 0, 0, alloc.copyOf(new byte[1000])), false, alloc);
        for (int cut : new int[] {1, HEADER_BYTES - 1, HEADER_BYTES, HEADER_BYTES + 100, write.length - 1}) {
            EmbeddedChannel channel = decoder();
            channel.writeInbound(alloc.copyOf(write, 0, cut));
            assertFalse(channel.finish(), "cut at " + cut);
        }
    }

    // ---- helpers

    private EmbeddedChannel decoder() {
        EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder());
        channel.config().setAllocator(alloc);
        return channel;
    }

    private Message sample(MessageType type, String dataKind) {
        return SampleMessages.typical(type, type.hasData ? alloc.copyOf(data(type, dataKind)) : null);
    }

    private static byte[] data(MessageType type, String dataKind) {
        return dataKind.equals("text")
                ? SampleMessages.textBytes(type.code, SAMPLE_DATA_BYTES)
                : SampleMessages.randomBytes(type.code, SAMPLE_DATA_BYTES);
    }

    /** Feeds, then expects exactly the sample messages of {@code types} (their payloads rebuilt from the kind), and nothing else. */
    private void decodeAndCheck(Consumer<EmbeddedChannel> feed, List<MessageType> types, String dataKind, String what) {
        EmbeddedChannel channel = decoder();
        feed.accept(channel);
        for (MessageType type : types) {
            Message actual = channel.readInbound();
            Message expected = sample(type, dataKind);
            try {
                Messages.assertEqual(expected, actual, what);
            } finally {
                Messages.release(expected);
                if (actual != null) {
                    Messages.release(actual);
                }
            }
        }
        assertNull(channel.readInbound(), what + ": more messages than sent");
        assertFalse(channel.finish(), what + ": leftovers");
    }

    /** The whole of {@code bytes} in one read must raise a FramingException (with {@code message} in it, if given). */
    private void assertFramingError(byte[] bytes, String message) {
        EmbeddedChannel channel = decoder();
        FramingException e = assertThrows(FramingException.class, () -> channel.writeInbound(alloc.copyOf(bytes)),
                () -> "no error for " + ByteBufUtil.hexDump(bytes));
        if (message != null) {
            assertTrue(e.getMessage().contains(message), "expected \"" + message + "\" in: " + e.getMessage());
        }
        Object decoded;
        while ((decoded = channel.readInbound()) != null) {
            assertInstanceOf(Message.class, decoded);
            Messages.release((Message) decoded);
        }
        assertFalse(channel.finish());
    }
}
