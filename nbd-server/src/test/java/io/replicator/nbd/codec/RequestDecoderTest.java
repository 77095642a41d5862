package io.replicator.nbd.codec;

import static io.replicator.nbd.codec.RequestBytes.concat;
import static io.replicator.nbd.codec.RequestBytes.feedBytewise;
import static io.replicator.nbd.codec.RequestBytes.feedSplit;
import static io.replicator.nbd.codec.RequestBytes.header;
import static io.replicator.nbd.codec.RequestBytes.randomBytes;
import static io.replicator.nbd.codec.RequestBytes.request;
import static io.replicator.nbd.codec.RequestBytes.write;
import static io.replicator.nbd.wire.NbdConstants.CMD_FLAG_DF;
import static io.replicator.nbd.wire.NbdConstants.CMD_FLAG_FUA;
import static io.replicator.nbd.wire.NbdConstants.MAX_PAYLOAD_BYTES;
import static io.replicator.nbd.wire.NbdConstants.REQUEST_MAGIC;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.util.ReferenceCountUtil;
import io.replicator.nbd.wire.NbdRequest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class RequestDecoderTest {

    /** What a decoded request must hold; payload null for all but WRITE. */
    record Expected(int flags, int type, long cookie, long offset, long length, byte[] payload) {}

    private static final byte[] WRITE_PAYLOAD = randomBytes(7, 13);

    /** READ, WRITE with payload, FLUSH, an unknown type, an empty WRITE and a READ at u64 max offset. */
    private static final List<Expected> STREAM_REQUESTS = List.of(
            new Expected(CMD_FLAG_FUA | CMD_FLAG_DF, 0, 0x0102030405060708L, 4096, 512, null),
            new Expected(CMD_FLAG_FUA, 1, -2, 1L << 40, WRITE_PAYLOAD.length, WRITE_PAYLOAD),
            new Expected(0, 3, 3, 0, 0, null),
            new Expected(0xffff, 0xfedc, 4, 12345, 0xffff_ffffL, null),
            new Expected(0, 1, 5, 0, 0, new byte[0]),
            new Expected(0, 0, 6, -1, 1, null));

    private static byte[] encode(List<Expected> requests) {
        List<byte[]> parts = new ArrayList<>();
        for (Expected e : requests) {
            parts.add(e.payload() != null
                    ? write(e.flags(), e.cookie(), e.offset(), e.payload())
                    : request(e.flags(), e.type(), e.cookie(), e.offset(), e.length()));
        }
        return concat(parts.toArray(new byte[0][]));
    }

    private final TrackingAllocator alloc = new TrackingAllocator();

    private EmbeddedChannel newChannel() {
        EmbeddedChannel channel = new EmbeddedChannel(new RequestDecoder());
        channel.config().setAllocator(alloc);
        return channel;
    }

    @Test
    void decodesAStreamSplitAtEveryPosition() {
        byte[] bytes = encode(STREAM_REQUESTS);
        for (int split = 0; split <= bytes.length; split++) {
            int at = split;
            decodeAndCheck(channel -> feedSplit(channel, alloc, bytes, at), "split at " + at);
        }
    }

    @Test
    void decodesAStreamFedOneByteAtATime() {
        byte[] bytes = encode(STREAM_REQUESTS);
        decodeAndCheck(channel -> feedBytewise(channel, alloc, bytes), "byte by byte");
    }

    @Test
    void decodesEachRequestAloneSplitAtEveryPosition() {
        for (Expected request : STREAM_REQUESTS) {
            byte[] bytes = encode(List.of(request));
            for (int split = 0; split <= bytes.length; split++) {
                int at = split;
                decodeAndCheck(channel -> feedSplit(channel, alloc, bytes, at), List.of(request), request + " split at " + at);
            }
        }
    }

    private void decodeAndCheck(Consumer<EmbeddedChannel> feed, String what) {
        decodeAndCheck(feed, STREAM_REQUESTS, what);
    }

    private void decodeAndCheck(Consumer<EmbeddedChannel> feed, List<Expected> expected, String what) {
        EmbeddedChannel channel = newChannel();
        feed.accept(channel);
        for (Expected e : expected) {
            NbdRequest r = channel.readInbound();
            if (r == null) {
                fail(what + ": missing " + e);
            }
            try {
                assertEquals(e.flags(), r.flags(), what);
                assertEquals(e.type(), r.type(), what);
                assertEquals(e.cookie(), r.cookie(), what);
                assertEquals(e.offset(), r.offset(), what);
                assertEquals(e.length(), r.length(), what);
                if (e.payload() == null) {
                    assertNull(r.payload(), what);
                } else {
                    assertArrayEquals(e.payload(), ByteBufUtil.getBytes(r.payload()), what);
                }
            } finally {
                r.release();
            }
        }
        assertFalse(channel.finish(), what + ": left over");
        alloc.assertAllReleased();
    }

    /** WRITEs at, just over and well over the size where payloads stop being slices of the input. */
    private static final List<Expected> LARGE_REQUESTS = List.of(
            new Expected(0, 0, 1, 0, 4096, null),
            new Expected(0, 1, 2, 0, 64 * 1024, randomBytes(2, 64 * 1024)),
            new Expected(CMD_FLAG_FUA, 1, 3, 512, 64 * 1024 + 1, randomBytes(3, 64 * 1024 + 1)),
            new Expected(0, 1, 4, 1 << 20, 200_000, randomBytes(4, 200_000)),
            new Expected(0, 3, 5, 0, 0, null));

    @Test
    void largeWritesSplitAroundEveryBoundary() {
        byte[] bytes = encode(LARGE_REQUESTS);
        TreeSet<Integer> splits = new TreeSet<>();
        int boundary = 0;
        for (Expected e : LARGE_REQUESTS) {
            for (int edge : new int[] {boundary, boundary + 28}) { // start of the header, start of the payload
                for (int d = -40; d <= 40; d++) {
                    splits.add(Math.max(0, Math.min(bytes.length, edge + d)));
                }
            }
            boundary += 28 + (e.payload() == null ? 0 : e.payload().length);
        }
        splits.add(bytes.length);
        for (int split = 0; split < bytes.length; split += 997) {
            splits.add(split);
        }
        for (int split : splits) {
            decodeAndCheck(channel -> feedSplit(channel, alloc, bytes, split), LARGE_REQUESTS, "split at " + split);
        }
    }

    @Test
    void largeWritesFedInPiecesOfManySizes() {
        byte[] bytes = encode(LARGE_REQUESTS);
        for (int piece : new int[] {1, 7, 28, 1000, 4096, 65536, 65537, 100_000}) {
            decodeAndCheck(channel -> {
                for (int from = 0; from < bytes.length; from += piece) {
                    channel.writeInbound(alloc.copyOf(bytes, from, Math.min(bytes.length, from + piece)));
                }
            }, LARGE_REQUESTS, "pieces of " + piece);
        }
    }

    @Test
    void anIncompleteLargeWriteAtCloseIsReleased() {
        EmbeddedChannel channel = newChannel();
        byte[] bytes = write(0, 1, 0, randomBytes(5, 100_000));
        channel.writeInbound(alloc.copyOf(bytes, 0, 50_000));
        channel.writeInbound(alloc.copyOf(bytes, 50_000, 90_000));
        assertNull(channel.readInbound());
        assertFalse(channel.finish());
        alloc.assertAllReleased();
    }

    @Test
    void anIncompleteLargeWriteIsReleasedWhenTheDecoderIsRemoved() {
        EmbeddedChannel channel = newChannel();
        byte[] bytes = write(0, 1, 0, randomBytes(6, 100_000));
        channel.writeInbound(alloc.copyOf(bytes, 0, 70_000));
        channel.pipeline().removeFirst();
        Object forwarded;
        while ((forwarded = channel.readInbound()) != null) {
            ReferenceCountUtil.release(forwarded);
        }
        assertFalse(channel.finish());
        alloc.assertAllReleased();
    }

    @Test
    void badMagicThrowsAndDecodesNothing() {
        byte[] bad = header(REQUEST_MAGIC + 1, 0, 0, 1, 0, 512);
        byte[] bytes = concat(bad, request(0, 0, 2, 0, 512), write(0, 3, 0, WRITE_PAYLOAD));
        for (int split = 0; split <= bytes.length; split++) {
            EmbeddedChannel channel = newChannel();
            int failures = 0;
            for (byte[] part : new byte[][] {Arrays.copyOfRange(bytes, 0, split), Arrays.copyOfRange(bytes, split, bytes.length)}) {
                try {
                    channel.writeInbound(alloc.copyOf(part));
                } catch (CorruptedFrameException e) {
                    assertTrue(e.getMessage().contains("magic"), e.getMessage());
                    failures++;
                    assertTrue(split >= bad.length || part.length == bytes.length - split, "thrown before the header was complete");
                }
            }
            assertEquals(1, failures, "split at " + split);
            // the stream cannot be trusted after the bad frame: later bytes are dropped, not decoded
            channel.writeInbound(alloc.copyOf(request(0, 0, 4, 0, 512)));
            assertNull(channel.readInbound(), "split at " + split);
            assertFalse(channel.finish());
            alloc.assertAllReleased();
        }
    }

    @Test
    void goodRequestsBeforeABadMagicAreDecoded() {
        EmbeddedChannel channel = newChannel();
        byte[] bytes = concat(request(0, 0, 1, 0, 512), header(0, 0, 0, 2, 0, 0));
        assertThrows(CorruptedFrameException.class, () -> channel.writeInbound(alloc.copyOf(bytes)));
        NbdRequest r = channel.readInbound();
        assertEquals(1, r.cookie());
        assertNull(channel.readInbound());
        assertFalse(channel.finish());
        alloc.assertAllReleased();
    }

    @Test
    void tooLongWriteFailsAsSoonAsTheHeaderIsCompleteWithoutBufferingPayload() {
        byte[] header = request(0, 1, 9, 0, MAX_PAYLOAD_BYTES + 1L);
        for (int split = 0; split < header.length; split++) {
            EmbeddedChannel channel = newChannel();
            if (split > 0) {
                channel.writeInbound(alloc.copyOf(header, 0, split));
            }
            int at = split;
            TooLongFrameException e = assertThrows(TooLongFrameException.class,
                    () -> channel.writeInbound(alloc.copyOf(header, at, header.length)), "split at " + split);
            assertEquals("write length: " + (MAX_PAYLOAD_BYTES + 1L) + " (expected: <= " + MAX_PAYLOAD_BYTES + ")", e.getMessage());
            alloc.assertAllReleased(); // nothing kept to wait for the payload
            // payload that follows is dropped as it comes: nothing accumulates, nothing is decoded
            for (int i = 0; i < 4; i++) {
                channel.writeInbound(alloc.buffer(64 * 1024).writeZero(64 * 1024));
                alloc.assertAllReleased();
            }
            assertNull(channel.readInbound());
            assertFalse(channel.finish());
        }
    }

    @Test
    void writeLengthAtTheBoundOfAU32IsRefusedToo() {
        EmbeddedChannel channel = newChannel();
        assertThrows(TooLongFrameException.class, () -> channel.writeInbound(alloc.copyOf(request(0, 1, 9, 0, 0xffff_ffffL))));
        assertFalse(channel.finish());
        alloc.assertAllReleased();
    }

    @Test
    void oversizedLengthOnANonWriteCommandIsNotAFramingError() {
        // a READ of 4 GiB - 1 carries no payload: the session answers it with an error, the stream stays intact
        EmbeddedChannel channel = newChannel();
        channel.writeInbound(alloc.copyOf(concat(request(0, 0, 1, 0, 0xffff_ffffL), request(0, 3, 2, 0, 0))));
        NbdRequest read = channel.readInbound();
        NbdRequest flush = channel.readInbound();
        assertEquals(0xffff_ffffL, read.length());
        assertEquals(2, flush.cookie());
        assertFalse(channel.finish());
        alloc.assertAllReleased();
    }

    @Test
    void writeOfExactlyTheMaximumPayloadIsAccepted() {
        byte[] payload = randomBytes(42, MAX_PAYLOAD_BYTES);
        byte[] header = request(CMD_FLAG_FUA, 1, 77, 1L << 30, MAX_PAYLOAD_BYTES);
        EmbeddedChannel channel = newChannel();
        channel.writeInbound(alloc.copyOf(concat(header, Arrays.copyOf(payload, 5))));
        int chunk = 1 << 20;
        for (int from = 5; from < payload.length; from += chunk) {
            assertNull(channel.readInbound(), "decoded before the payload was complete");
            channel.writeInbound(alloc.copyOf(payload, from, Math.min(payload.length, from + chunk)));
        }
        NbdRequest r = channel.readInbound();
        try {
            assertEquals(MAX_PAYLOAD_BYTES, r.length());
            assertEquals(MAX_PAYLOAD_BYTES, r.payload().readableBytes());
            assertArrayEquals(payload, ByteBufUtil.getBytes(r.payload()));
        } finally {
            r.release();
        }
        assertFalse(channel.finish());
        alloc.assertAllReleased();
    }

    @Test
    void anIncompleteRequestAtCloseIsDroppedAndReleased() {
        EmbeddedChannel channel = newChannel();
        byte[] bytes = write(0, 1, 0, WRITE_PAYLOAD);
        channel.writeInbound(alloc.copyOf(bytes, 0, bytes.length - 1));
        assertNull(channel.readInbound());
        assertFalse(channel.finish());
        alloc.assertAllReleased();
    }
}
