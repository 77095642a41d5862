package io.replicator.wire;

import io.replicator.nbd.codec.TrackingAllocator;
import static io.replicator.wire.WireConstants.BODY_LENGTH_OFFSET;
import static io.replicator.wire.WireConstants.FLAGS_OFFSET;
import static io.replicator.wire.WireConstants.FRAME_FLAG_LZ4;
import static io.replicator.wire.WireConstants.HEADER_BYTES;
import static io.replicator.wire.WireConstants.TRAILER_BYTES;
import static io.replicator.wire.WireConstants.UNCOMPRESSED_LENGTH_OFFSET;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Arbitrary peer bytes through {@link FrameDecoder}. Byte 0 of an input is options: bits 0-1 how the
 * rest is split into reads (whole, halves, 7-byte pieces, one byte at a time); bit 2 rewrites the CRC
 * of every complete frame first, so that mutations reach the body parser and LZ4 instead of stopping
 * at the CRC. Checked: the only exception is a {@link FramingException}, at most once (after it the
 * decoder drops everything); every decoded message passes {@link MessageRules} and is canonical (an
 * uncompressed frame is exactly what FrameEncoder makes of the message; a compressed one decompresses
 * to that body's length); nothing is left over and no buffer is left unreleased.
 *
 * <p>The seed corpus holds valid streams of every type (plain and compressed, in each split mode) and
 * malformed ones: bad magic, CRC, type, flags, lengths over the bound, truncated, trailing bytes, a
 * field out of range, an LZ4 body of the wrong length.
 *
 * <p>Without {@code JAZZER_FUZZ} it replays {@code src/test/resources/io/replicator/wire/
 * FrameDecoderFuzzTestInputs/decode/}; with {@code JAZZER_FUZZ=1} it fuzzes, and stores any failing
 * input there.
 */
class FrameDecoderFuzzTest {

    @FuzzTest(maxDuration = "120s")
    void decode(byte[] input) {
        int options = input.length > 0 ? input[0] & 0xff : 0;
        byte[] stream = input.length > 0 ? Arrays.copyOfRange(input, 1, input.length) : input;
        if ((options & 4) != 0) {
            fixCrcs(stream);
        }
        TrackingAllocator alloc = new TrackingAllocator();
        EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder());
        channel.config().setAllocator(alloc);
        List<Message> decoded = new ArrayList<>();
        try {
            feed(channel, alloc, stream, options & 3, decoded);
            checkCanonical(stream, decoded, alloc);
            assertFalse(channel.finish(), "leftovers");
        } finally {
            decoded.forEach(Messages::release);
            channel.finishAndReleaseAll();
        }
        alloc.assertAllReleased();
    }

    /** Feeds in pieces; collects what is decoded; lets nothing but one FramingException through. */
    private static void feed(EmbeddedChannel channel, TrackingAllocator alloc, byte[] stream, int mode, List<Message> decoded) {
        int piece = switch (mode) {
            case 0 -> Math.max(1, stream.length);
            case 1 -> Math.max(1, (stream.length + 1) / 2);
            case 2 -> 7;
            default -> 1;
        };
        boolean failed = false;
        for (int from = 0; from < stream.length; from += piece) {
            boolean failedBefore = failed;
            try {
                channel.writeInbound(alloc.copyOf(stream, from, Math.min(stream.length, from + piece)));
            } catch (FramingException e) {
                assertFalse(failed, "a second framing error: the decoder did not stay BROKEN");
                failed = true;
            }
            for (Object m; (m = channel.readInbound()) != null; ) {
                assertFalse(failedBefore, "a message decoded after a framing error");
                decoded.add((Message) m); // (those before the error in the same read are valid)
            }
        }
    }

    /** Walks the frames the messages came from: each is valid and encodes back to what was sent. */
    private static void checkCanonical(byte[] stream, List<Message> decoded, TrackingAllocator alloc) {
        int at = 0;
        for (Message m : decoded) {
            MessageRules.check(m);
            ByteBuf data = MessageBodies.dataOf(m);
            byte[] reencoded = FrameBytes.encode(Messages.withData(m, data == null ? null : data.retainedDuplicate()), false, alloc);
            if ((stream[at + FLAGS_OFFSET] & FRAME_FLAG_LZ4) == 0) {
                assertArrayEquals(reencoded, Arrays.copyOfRange(stream, at, at + reencoded.length), "frame at " + at);
                at += reencoded.length;
            } else {
                assertEquals(FrameBytes.headerInt(reencoded, BODY_LENGTH_OFFSET), FrameBytes.headerInt(stream, at + UNCOMPRESSED_LENGTH_OFFSET),
                        "decompressed body length of the frame at " + at);
                at += HEADER_BYTES + FrameBytes.headerInt(stream, at + BODY_LENGTH_OFFSET) + TRAILER_BYTES;
            }
        }
        assertTrue(at <= stream.length);
    }

    /** Rewrites the CRC of every frame that is complete (by its header's body length). */
    private static void fixCrcs(byte[] stream) {
        int at = 0;
        while (stream.length - at >= HEADER_BYTES) {
            long bodyLength = FrameBytes.headerInt(stream, at + BODY_LENGTH_OFFSET) & 0xffff_ffffL;
            if (bodyLength > stream.length - at - HEADER_BYTES - TRAILER_BYTES) {
                return;
            }
            at = FrameBytes.fixCrc(stream, at);
        }
    }
}
