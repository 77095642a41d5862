package io.replicator.wire;

import io.replicator.nbd.codec.TrackingAllocator;
import static io.replicator.wire.WireConstants.MAX_GENERATIONS;
import static io.replicator.wire.WireConstants.MAX_MAC_BYTES;
import static io.replicator.wire.WireConstants.MAX_NONCE_BYTES;
import static io.replicator.wire.WireConstants.MAX_STRING_BYTES;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.arbitrary;
import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;

import io.netty.channel.embedded.EmbeddedChannel;
import io.replicator.core.DiskState;
import io.replicator.core.Generation;
import io.replicator.core.Role;
import io.replicator.core.SyncKind;
import io.replicator.wire.Message.Ack;
import io.replicator.wire.Message.Auth;
import io.replicator.wire.Message.Barrier;
import io.replicator.wire.Message.Hello;
import io.replicator.wire.Message.InSync;
import io.replicator.wire.Message.NodeInfo;
import io.replicator.wire.Message.Ping;
import io.replicator.wire.Message.Pong;
import io.replicator.wire.Message.PromoteReply;
import io.replicator.wire.Message.PromoteRequest;
import io.replicator.wire.Message.Refused;
import io.replicator.wire.Message.ResyncData;
import io.replicator.wire.Message.ResyncHole;
import io.replicator.wire.Message.SyncStart;
import io.replicator.wire.Message.Trim;
import io.replicator.wire.Message.Write;
import io.replicator.wire.Message.Zeroes;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/**
 * Random messages of every type, with random field values within their bounds and random payloads
 * (0..64 KiB, compressible or not), encoded with or without compression and fed back split at random
 * positions, decode to equal messages, and every buffer is released. A failure prints "Seed was N":
 * replay it with {@code -DQT_SEED=N}.
 */
class FrameCodecProperties {

    /** A payload, made from a seed when the message is built (so a generated value holds no buffer). */
    record Data(int length, long seed, boolean text) {
        byte[] bytes() {
            return text ? SampleMessages.textBytes(seed, length) : SampleMessages.randomBytes(seed, length);
        }
    }

    /** A message, its payload (if it has one) still to be made. */
    record Spec(Message template, Data data) {
        Message build(TrackingAllocator alloc) {
            return template.getClass() == Write.class || template.getClass() == ResyncData.class
                    ? Messages.withData(template, alloc.copyOf(data.bytes()))
                    : template;
        }
    }

    record Scenario(List<Spec> specs, boolean compress, List<Integer> cutsPerMille) {}

    @Test
    void messagesRoundTripUnderRandomSplits() {
        qt().withExamples(300).forAll(scenarios()).checkAssert(FrameCodecProperties::run);
    }

    private static void run(Scenario scenario) {
        TrackingAllocator alloc = new TrackingAllocator();
        List<byte[]> frames = new ArrayList<>();
        for (Spec spec : scenario.specs()) {
            frames.add(FrameBytes.encode(spec.build(alloc), scenario.compress(), alloc));
        }
        byte[] stream = FrameBytes.concat(frames.toArray(new byte[0][]));
        int[] cuts = scenario.cutsPerMille().stream().mapToInt(m -> (int) ((long) m * stream.length / 1000)).sorted().toArray();

        EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder());
        channel.config().setAllocator(alloc);
        FrameBytes.feed(channel, alloc, stream, cuts);
        for (int i = 0; i < scenario.specs().size(); i++) {
            Message expected = scenario.specs().get(i).build(alloc);
            Message actual = channel.readInbound();
            try {
                Messages.assertEqual(expected, actual, "message " + i + ", cuts " + Arrays.toString(cuts));
            } finally {
                Messages.release(expected);
                if (actual != null) {
                    Messages.release(actual);
                }
            }
        }
        assertNull(channel.readInbound(), "more messages than were sent");
        assertFalse(channel.finish());
        alloc.assertAllReleased();
    }

    // ---- generators

    private static Gen<Scenario> scenarios() {
        return lists().of(specs()).ofSizeBetween(1, 8)
                .zip(booleans().all(), lists().of(integers().between(0, 1000)).ofSizeBetween(0, 6), Scenario::new);
    }

    private static Gen<Spec> specs() {
        Gen<Data> data = integers().between(0, 64 * 1024).mix(integers().between(0, 100), 30)
                .zip(longs().all(), booleans().all(), Data::new);
        Gen<Message> templates = arbitrary().enumValues(MessageType.class).flatMap(FrameCodecProperties::templates);
        return templates.zip(data, Spec::new);
    }

    /** Messages of {@code type} with random values within the rules; payloads left null. */
    private static Gen<Message> templates(MessageType type) {
        Gen<Long> n = nonNegative();
        Gen<Long> any = longs().all();
        Gen<Long> dataOffsets = longs().between(0, Long.MAX_VALUE - 64 * 1024); // room for the payload
        return switch (type) {
            case HELLO -> integers().between(0, Integer.MAX_VALUE).zip(strings(), strings(), n, bytes(MAX_NONCE_BYTES), Hello::new);
            case AUTH -> bytes(MAX_MAC_BYTES).map(Auth::new);
            case REFUSED -> strings().map(Refused::new);
            case NODE_INFO -> arbitrary().enumValues(Role.class).zip(arbitrary().enumValues(DiskState.class), n, booleans().all(),
                    generations(), (role, disk, seq, created, gens) -> new NodeInfo(role, disk, seq, created, gens, 0, false, 0, false, false, null))
                    .zip(any, booleans().all(), n, (info, bitmapUuid, fromPrimary, changed) -> new NodeInfo(info.role(),
                            info.disk(), info.lastSeq(), info.justCreated(), info.generations(), bitmapUuid, fromPrimary, changed, (bitmapUuid & 1) == 0,
                            (bitmapUuid & 2) == 0, (bitmapUuid & 4) == 0 ? null : List.of(0L, 1 + changed % 1000, Long.MAX_VALUE)));
            case WRITE -> n.zip(n, dataOffsets, arbitrary().pick(0, Message.FLAG_FUA), (pos, seq, offset, flags) -> new Write(pos, seq, offset, flags, null));
            case TRIM -> n.zip(n, ranges(), arbitrary().pick(0, Message.FLAG_FUA),
                    (pos, seq, r, flags) -> new Trim(pos, seq, r[0], r[1], flags));
            case ZEROES -> n.zip(n, ranges(), integers().between(0, Message.FLAG_FUA | Message.FLAG_PUNCH),
                    (pos, seq, r, flags) -> new Zeroes(pos, seq, r[0], r[1], flags));
            case BARRIER -> n.zip(n, Barrier::new);
            case SYNC_START -> n.zip(arbitrary().enumValues(SyncKind.class), n, n, n,
                    (pos, kind, from, next, total) -> new SyncStart(pos, kind, from, next, total, List.of()))
                    .zip(generations(), (s, gens) -> new SyncStart(s.pos(), s.kind(), s.fromSeq(), s.nextSeq(), s.totalBytes(), gens));
            case RESYNC_DATA -> n.zip(dataOffsets, (pos, offset) -> new ResyncData(pos, offset, null));
            case RESYNC_HOLE -> n.zip(ranges(), (pos, r) -> new ResyncHole(pos, r[0], r[1]));
            case IN_SYNC -> n.zip(n, generations(), InSync::new);
            case DIGEST -> n.zip(ranges(), integers().between(1, WireConstants.MAX_DATA_BYTES), booleans().all(),
                    (pos, r, length, verify) -> new Message.Digest(pos, Math.min(r[0], Long.MAX_VALUE - length), length, verify,
                            new byte[WireConstants.DIGEST_BYTES]));
            case DIGEST_REPLY -> ranges().zip(integers().between(1, WireConstants.MAX_DATA_BYTES), booleans().all(), booleans().all(),
                    (r, length, verify, equal) -> new Message.DigestReply(Math.min(r[0], Long.MAX_VALUE - length), length, verify, equal));
            case ACK -> n.zip(n, n, (a, b, c) -> {
                long[] sorted = {a, b, c};
                Arrays.sort(sorted);
                return new Ack(sorted[2], sorted[1], sorted[0]);
            });
            case PING -> any.map(Ping::new);
            case PONG -> any.map(Pong::new);
            case PROMOTE_REQUEST -> any.map(PromoteRequest::new);
            case PROMOTE_REPLY -> any.zip(booleans().all(), strings(), PromoteReply::new);
        };
    }

    private static Gen<Long> nonNegative() {
        return longs().between(0, Long.MAX_VALUE).mix(arbitrary().pick(0L, 1L, Long.MAX_VALUE), 20);
    }

    /** {offset, length} whose sum does not overflow. */
    private static Gen<long[]> ranges() {
        return nonNegative().zip(nonNegative(), (offset, length) -> new long[] {offset, length % (Long.MAX_VALUE - offset + 1)})
                .mix(arbitrary().pick(new long[] {Long.MAX_VALUE, 0}, new long[] {0, Long.MAX_VALUE}), 10);
    }

    private static Gen<byte[]> bytes(int max) {
        return Generate.byteArrays(integers().between(0, max), Generate.bytes(Byte.MIN_VALUE, Byte.MAX_VALUE, (byte) 0));
    }

    private static Gen<List<Generation>> generations() {
        return lists().of(longs().all().zip(nonNegative(), Generation::new)).ofSizeBetween(0, MAX_GENERATIONS);
    }

    /** Strings of 1- to 4-byte UTF-8 characters, cut to at most 255 bytes. */
    private static Gen<String> strings() {
        Gen<Integer> codePoints = integers().between(0x20, 0x7e)
                .mix(integers().between(0x80, 0x7ff), 30)
                .mix(integers().between(0x800, 0xd7ff), 20)
                .mix(integers().between(0x10000, 0x10ffff), 20);
        return lists().of(codePoints).ofSizeBetween(0, 200).map(FrameCodecProperties::utf8Prefix);
    }

    private static String utf8Prefix(List<Integer> codePoints) {
        StringBuilder s = new StringBuilder();
        int bytes = 0;
        for (int cp : codePoints) {
            int size = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8).length;
            if (bytes + size > MAX_STRING_BYTES) {
                break;
            }
            s.appendCodePoint(cp);
            bytes += size;
        }
        assertEquals(bytes, s.toString().getBytes(StandardCharsets.UTF_8).length);
        return s.toString();
    }
}
