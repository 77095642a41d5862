package io.replicator.nbd.server;

import static io.replicator.nbd.codec.RequestBytes.concat;
import static io.replicator.nbd.codec.RequestBytes.randomBytes;
import static io.replicator.nbd.codec.RequestBytes.request;
import static io.replicator.nbd.codec.RequestBytes.write;
import static io.replicator.nbd.wire.NbdConstants.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.arbitrary;
import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;

import io.replicator.nbd.device.MemoryBlockDevice;
import io.replicator.nbd.server.SessionChannel.Reply;
import io.replicator.nbd.wire.NbdError;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * Random request sequences, valid and not, sent as raw bytes (split at random positions) through the
 * decoder and the session over a small memory device, against a plain byte[] model and the spec's
 * error rules written out again here: every request gets exactly one final reply with its cookie and an
 * error the spec allows, every successful READ returns the model's bytes, and block status never calls
 * data zero. A failure prints "Seed was N": replay it with {@code -DQT_SEED=N}.
 */
class SessionModelProperties {

    private static final int SIZE = 256 * 1024;
    private static final int PAGE = MemoryBlockDevice.PAGE_BYTES;

    enum Kind {
        READ(0), WRITE(1), FLUSH(3), TRIM(4), CACHE(5), WRITE_ZEROES(6), BLOCK_STATUS(7), UNKNOWN(-1);

        final int type;

        Kind(int type) {
            this.type = type;
        }
    }

    record Config(boolean structured, boolean metaContext, int minBlockBytes, boolean readOnly, int maxInflight) {}

    record Op(Kind kind, int type, int flags, long offset, long length) {}

    record Scenario(Config config, List<Op> ops, List<Integer> splitsPerMille) {}

    @Test
    void sessionBehavesLikeTheModel() {
        qt().withExamples(400).forAll(scenarios()).checkAssert(SessionModelProperties::run);
    }

    // ---- generators

    private static Gen<Scenario> scenarios() {
        Gen<Config> configs = booleans().all().zip(integers().between(0, 4).map(i -> i != 0), arbitrary().pick(1, 1, 512),
                integers().between(0, 9).map(i -> i == 0), arbitrary().pick(1, 2, 64),
                (structured, meta, minBlock, readOnly, maxInflight) -> new Config(structured, structured && meta, minBlock, readOnly, maxInflight));
        Gen<List<Integer>> splits = lists().of(integers().between(0, 1000)).ofSizeBetween(0, 3);
        return configs.zip(lists().of(ops()).ofSizeBetween(1, 50), splits, Scenario::new);
    }

    private static Gen<Op> ops() {
        Gen<Long> inRange = integers().between(0, SIZE).map(Integer::longValue);
        Gen<Long> aligned = integers().between(0, SIZE / 512).map(i -> i * 512L);
        Gen<Long> pageEdges = integers().between(0, SIZE / PAGE).zip(integers().between(-600, 600),
                (page, delta) -> Math.max(0L, (long) page * PAGE + delta));
        Gen<Long> outside = arbitrary().pick(SIZE - 1L, (long) SIZE, SIZE + 1L, SIZE + 512L, 1L << 40, -1L, -512L, Long.MIN_VALUE)
                .mix(longs().all(), 30);
        Gen<Long> offsets = inRange.mix(aligned, 50).mix(pageEdges, 30).mix(outside, 8);
        Gen<Long> lengths = integers().between(0, PAGE + 1000).map(Integer::longValue)
                .mix(integers().between(0, 2 * PAGE / 512).map(i -> i * 512L), 40)
                .mix(integers().between(0, 3 * PAGE).map(Integer::longValue), 10)
                .mix(arbitrary().pick(0L, 1L, (long) SIZE, MAX_PAYLOAD_BYTES + 1L, 0xffff_ffffL), 8);
        Gen<Integer> flags = arbitrary().pick(0)
                .mix(arbitrary().pick(CMD_FLAG_FUA, CMD_FLAG_NO_HOLE, CMD_FLAG_DF, CMD_FLAG_REQ_ONE, CMD_FLAG_FAST_ZERO,
                        CMD_FLAG_NO_HOLE | CMD_FLAG_FAST_ZERO, CMD_FLAG_FUA | CMD_FLAG_DF, 1 << 5, 1 << 15), 30)
                .mix(integers().between(0, 0xffff), 4);
        Gen<Integer> unknownTypes = arbitrary().pick(8, 9, 11, 100, 0x7fff, 0xffff).mix(integers().between(8, 0xffff), 30);
        Gen<Kind> kinds = arbitrary().enumValues(Kind.class);
        return kinds.zip(unknownTypes, flags, offsets, lengths, (kind, unknownType, flag, offset, length) -> {
            int type = kind == Kind.UNKNOWN ? unknownType : kind.type;
            if (kind == Kind.FLUSH && (offset & 3) != 0) {
                return new Op(kind, type, flag, 0, 0); // mostly well-formed flushes
            }
            if (kind == Kind.WRITE) {
                length = Math.floorMod(length, 3L * PAGE); // a real payload follows: keep it small
            }
            return new Op(kind, type, flag, offset, length);
        });
    }

    // ---- the spec's rules, independent of RequestChecks

    /** The errors the spec allows for {@code op}; {OK} alone when the request is valid. */
    private static Set<NbdError> allowedErrors(Op op, Config config) {
        EnumSet<NbdError> errors = EnumSet.noneOf(NbdError.class);
        int allowedFlags = switch (op.kind()) {
            case READ -> CMD_FLAG_FUA | CMD_FLAG_DF;
            case WRITE_ZEROES -> CMD_FLAG_FUA | CMD_FLAG_NO_HOLE | CMD_FLAG_FAST_ZERO;
            case BLOCK_STATUS -> CMD_FLAG_FUA | CMD_FLAG_REQ_ONE;
            default -> CMD_FLAG_FUA;
        };
        if (op.kind() == Kind.UNKNOWN || (op.flags() & ~allowedFlags) != 0) {
            return EnumSet.of(NbdError.EINVAL);
        }
        if ((op.flags() & CMD_FLAG_DF) != 0 && !config.structured()) {
            errors.add(NbdError.EINVAL);
        }
        boolean modifies = op.kind() == Kind.WRITE || op.kind() == Kind.TRIM || op.kind() == Kind.WRITE_ZEROES;
        if (modifies && config.readOnly()) {
            errors.add(NbdError.EPERM);
        }
        long offset = op.offset();
        long length = op.length();
        boolean beyondEnd = offset < 0 || offset > SIZE || length > SIZE - offset;
        boolean misaligned = ((offset | length) & (config.minBlockBytes() - 1)) != 0;
        switch (op.kind()) {
            case FLUSH -> {
                if (offset != 0 || length != 0) {
                    errors.add(NbdError.EINVAL);
                }
                misaligned = beyondEnd = false;
            }
            case READ -> {
                if (length > MAX_PAYLOAD_BYTES) {
                    errors.add((op.flags() & CMD_FLAG_DF) != 0 ? NbdError.EOVERFLOW : NbdError.EINVAL);
                }
            }
            case BLOCK_STATUS -> {
                if (!config.metaContext() || length == 0) {
                    errors.add(NbdError.EINVAL);
                }
            }
            default -> {}
        }
        if (beyondEnd) {
            errors.add(op.kind() == Kind.WRITE || op.kind() == Kind.WRITE_ZEROES ? NbdError.ENOSPC : NbdError.EINVAL);
        }
        if (misaligned) {
            errors.add(NbdError.EINVAL);
        }
        return errors.isEmpty() ? EnumSet.of(NbdError.OK) : errors;
    }

    // ---- one scenario

    /** What a request's reply must show: allowed errors, and for a valid READ/BLOCK_STATUS the model's bytes then. */
    record Expectation(Op op, Set<NbdError> errors, byte[] modelBytes) {}

    private static void run(Scenario scenario) {
        Config config = scenario.config();
        MemoryBlockDevice device = new MemoryBlockDevice(SIZE);
        Export export = new Export("disk", "", device, config.readOnly(), config.minBlockBytes());
        SessionChannel session = new SessionChannel(export, config.structured(), config.metaContext(), SessionChannel.DIRECT,
                config.maxInflight());
        try {
            byte[] model = new byte[SIZE];
            Map<Long, Expectation> expected = new LinkedHashMap<>();
            List<byte[]> stream = new ArrayList<>();
            for (int i = 0; i < scenario.ops().size(); i++) {
                Op op = scenario.ops().get(i);
                long cookie = 0x5eed_0000_0000L + i;
                Set<NbdError> errors = allowedErrors(op, config);
                boolean ok = errors.contains(NbdError.OK);
                byte[] snapshot = null;
                switch (op.kind()) {
                    case READ -> {
                        stream.add(session.read(op.flags(), cookie, op.offset(), op.length()));
                        snapshot = ok ? Arrays.copyOfRange(model, (int) op.offset(), (int) (op.offset() + op.length())) : null;
                    }
                    case WRITE -> {
                        byte[] data = randomBytes(cookie, (int) op.length());
                        stream.add(write(op.flags(), cookie, op.offset(), data));
                        if (ok) {
                            System.arraycopy(data, 0, model, (int) op.offset(), data.length);
                        }
                    }
                    case TRIM, WRITE_ZEROES -> {
                        stream.add(request(op.flags(), op.type(), cookie, op.offset(), op.length()));
                        if (ok) {
                            Arrays.fill(model, (int) op.offset(), (int) (op.offset() + op.length()), (byte) 0);
                        }
                    }
                    case BLOCK_STATUS -> {
                        stream.add(request(op.flags(), op.type(), cookie, op.offset(), op.length()));
                        snapshot = ok ? Arrays.copyOfRange(model, (int) op.offset(), (int) (op.offset() + op.length())) : null;
                    }
                    default -> stream.add(request(op.flags(), op.type(), cookie, op.offset(), op.length()));
                }
                expected.put(cookie, new Expectation(op, errors, snapshot));
            }
            feed(session, concat(stream.toArray(new byte[0][])), scenario.splitsPerMille());
            assertTrue(session.channel.isOpen(), "the session closed on valid framing");
            checkReplies(session.replies(), expected, config);
            // the device ends as the model does
            session.send(session.read(0, 1, 0, SIZE));
            Reply last = session.onlyReply();
            byte[] whole = config.structured() ? Arrays.copyOfRange(last.data(), 8, last.data().length) : last.data();
            assertArrayEquals(model, whole, "device contents after all requests");
        } finally {
            session.close();
        }
    }

    private static void feed(SessionChannel session, byte[] bytes, List<Integer> splitsPerMille) {
        int[] cuts = splitsPerMille.stream().mapToInt(p -> (int) ((long) p * bytes.length / 1000)).sorted().toArray();
        int from = 0;
        for (int cut : cuts) {
            if (cut > from) {
                session.send(Arrays.copyOfRange(bytes, from, cut));
                from = cut;
            }
        }
        if (from < bytes.length) {
            session.send(Arrays.copyOfRange(bytes, from, bytes.length));
        }
    }

    private static void checkReplies(List<Reply> replies, Map<Long, Expectation> expected, Config config) {
        Map<Long, List<Reply>> byCookie = new HashMap<>();
        for (Reply reply : replies) {
            Expectation e = expected.get(reply.cookie());
            assertNotNull(e, () -> "reply with a cookie never sent: " + reply);
            List<Reply> chunks = byCookie.computeIfAbsent(reply.cookie(), c -> new ArrayList<>());
            assertFalse(!chunks.isEmpty() && chunks.get(chunks.size() - 1).done(), () -> "reply after the final one: " + reply);
            chunks.add(reply);
        }
        for (Map.Entry<Long, Expectation> entry : expected.entrySet()) {
            Expectation e = entry.getValue();
            List<Reply> chunks = byCookie.get(entry.getKey());
            assertNotNull(chunks, () -> "no reply to " + e.op());
            assertTrue(chunks.get(chunks.size() - 1).done(), () -> "no final reply to " + e.op() + ": " + chunks);
            checkReply(e, chunks, config);
        }
    }

    private static void checkReply(Expectation e, List<Reply> chunks, Config config) {
        Op op = e.op();
        boolean structuredExpected = config.structured() && op.kind() == Kind.READ;
        NbdError error = NbdError.OK;
        for (Reply r : chunks) {
            assertTrue(!structuredExpected || r.structured(), () -> "a simple reply to a READ after structured replies: " + op);
            if (r.errorCode() != 0) {
                error = errorOf(r.errorCode());
            }
        }
        NbdError actual = error;
        assertTrue(e.errors().contains(actual), () -> op + ": got " + actual + ", allowed " + e.errors() + " (" + config + ")");
        if (actual != NbdError.OK) {
            return;
        }
        switch (op.kind()) {
            case READ -> assertArrayEquals(e.modelBytes(), readData(op, chunks), () -> "READ data of " + op);
            case BLOCK_STATUS -> checkBlockStatus(op, chunks, e.modelBytes());
            default -> assertEquals(1, chunks.size(), () -> op + ": " + chunks);
        }
    }

    private static NbdError errorOf(int code) {
        for (NbdError error : NbdError.values()) {
            if (error.code == code) {
                return error;
            }
        }
        throw new AssertionError("error value " + code + " is not one the spec defines");
    }

    /** Reassembles a READ: the simple reply's data, or OFFSET_DATA/OFFSET_HOLE chunks covering the range. */
    private static byte[] readData(Op op, List<Reply> chunks) {
        if (!chunks.get(0).structured()) {
            assertEquals(1, chunks.size());
            return chunks.get(0).data();
        }
        byte[] data = new byte[(int) op.length()];
        boolean[] covered = new boolean[data.length];
        int contentChunks = 0;
        for (Reply r : chunks) {
            ByteBuffer payload = ByteBuffer.wrap(r.data());
            switch (r.type()) {
                case REPLY_TYPE_OFFSET_DATA -> {
                    int at = (int) (payload.getLong() - op.offset());
                    int n = payload.remaining();
                    payload.get(data, at, n);
                    Arrays.fill(covered, at, at + n, true);
                    contentChunks++;
                }
                case REPLY_TYPE_OFFSET_HOLE -> {
                    int at = (int) (payload.getLong() - op.offset());
                    Arrays.fill(covered, at, at + payload.getInt(), true);
                    contentChunks++;
                }
                case REPLY_TYPE_NONE -> assertEquals(0, r.data().length);
                default -> throw new AssertionError("chunk type " + r.type() + " in a READ reply");
            }
        }
        for (int i = 0; i < covered.length; i++) {
            int at = i;
            assertTrue(covered[i], () -> "READ reply leaves byte " + at + " uncovered: " + op);
        }
        if ((op.flags() & CMD_FLAG_DF) != 0) {
            assertTrue(contentChunks <= 1, () -> "DF read fragmented into " + chunks.size() + " chunks");
        }
        return data;
    }

    private static void checkBlockStatus(Op op, List<Reply> chunks, byte[] model) {
        int statusChunks = 0;
        for (Reply r : chunks) {
            if (r.type() == REPLY_TYPE_NONE) {
                continue;
            }
            assertEquals(REPLY_TYPE_BLOCK_STATUS, r.type());
            statusChunks++;
            ByteBuffer payload = ByteBuffer.wrap(r.data());
            assertEquals(META_ID_BASE_ALLOCATION, payload.getInt());
            assertEquals(0, payload.remaining() % 8);
            int descriptors = payload.remaining() / 8;
            assertTrue(descriptors >= 1, "no status descriptor");
            if ((op.flags() & CMD_FLAG_REQ_ONE) != 0) {
                assertEquals(1, descriptors, "REQ_ONE");
            }
            long at = 0;
            while (payload.hasRemaining()) {
                long length = payload.getInt() & 0xffff_ffffL;
                int flags = payload.getInt();
                assertTrue(length > 0, "empty descriptor");
                assertTrue(at + length <= op.length(), () -> "descriptors beyond the request: " + op);
                assertEquals(0, flags & ~(STATE_HOLE | STATE_ZERO), "unknown status flags");
                if ((flags & STATE_ZERO) != 0) {
                    for (long i = at; i < at + length; i++) {
                        long offset = op.offset() + i;
                        assertEquals(0, model[(int) i], () -> "block status says zero at " + offset + " where the model holds data");
                    }
                }
                at += length;
            }
        }
        assertEquals(1, statusChunks, "one base:allocation chunk");
    }
}
