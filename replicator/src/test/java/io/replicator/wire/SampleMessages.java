package io.replicator.wire;

import io.netty.buffer.ByteBuf;
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
import java.util.List;
import java.util.Random;

/** One message of each type, typical or as large as its fields allow; and payloads that do or do not compress. */
final class SampleMessages {

    private SampleMessages() {
    }

    /** A typical message of {@code type}; {@code data} (owned by the message) is used by Write and ResyncData only. */
    static Message typical(MessageType type, ByteBuf data) {
        List<Generation> history = List.of(new Generation(0x0123_4567_89ab_cdefL, 0), new Generation(-42, 1_000_000));
        return switch (type) {
            case HELLO -> new Hello(WireConstants.VERSION, "r0", "nöde-α", 1L << 40, randomBytes(1, 32));
            case AUTH -> new Auth(randomBytes(2, 32));
            case REFUSED -> new Refused("unrelated data ✗ (no common generation)");
            case NODE_INFO -> new NodeInfo(Role.Secondary, DiskState.UpToDate, 123_456, true, history, -42, true, 1 << 20, true, true,
                    List.of(0L, 7L, 1L << 40));
            case WRITE -> new Write(7, 123_457, 4096, Message.FLAG_FUA, data);
            case TRIM -> new Trim(8, 123_458, 8192, 65536, Message.FLAG_FUA);
            case ZEROES -> new Zeroes(9, 123_459, 1 << 20, 1 << 21, Message.FLAG_FUA | Message.FLAG_PUNCH);
            case BARRIER -> new Barrier(10, 123_460);
            case SYNC_START -> new SyncStart(11, SyncKind.bitmap, 100, 123_461, 1L << 33, history);
            case RESYNC_DATA -> new ResyncData(12, 1L << 30, data);
            case RESYNC_HOLE -> new ResyncHole(13, 1L << 31, 1 << 20);
            case IN_SYNC -> new InSync(14, 123_461, history);
            case DIGEST -> new Message.Digest(15, 1L << 20, 65536, false, randomBytes(5, WireConstants.DIGEST_BYTES));
            case DIGEST_REPLY -> new Message.DigestReply(1L << 20, 65536, true, false);
            case ACK -> new Ack(14, 13, 12);
            case PING -> new Ping(-1);
            case PONG -> new Pong(Long.MIN_VALUE);
            case PROMOTE_REQUEST -> new PromoteRequest(42);
            case PROMOTE_REPLY -> new PromoteReply(42, false, "the peer is Primary");
        };
    }

    /** Every field at its largest encoding (strings of 255 UTF-8 bytes, full lists); {@code data} as for typical. */
    static Message largest(MessageType type, ByteBuf data) {
        String s = "é".repeat(127) + "x"; // 255 bytes
        List<Generation> history = new ArrayList<>();
        for (int i = 0; i < WireConstants.MAX_GENERATIONS; i++) {
            history.add(new Generation(i * 31L, i * 1000L));
        }
        return switch (type) {
            case HELLO -> new Hello(Integer.MAX_VALUE, s, s, Long.MAX_VALUE, randomBytes(3, WireConstants.MAX_NONCE_BYTES));
            case AUTH -> new Auth(randomBytes(4, WireConstants.MAX_MAC_BYTES));
            case REFUSED -> new Refused(s);
            case NODE_INFO -> new NodeInfo(Role.Unknown, DiskState.UpToDate, Long.MAX_VALUE, false, history, Long.MIN_VALUE, true,
                    Long.MAX_VALUE, false, true, extents(WireConstants.MAX_SUSPECT_EXTENTS));
            case WRITE -> new Write(Long.MAX_VALUE, Long.MAX_VALUE, 0, Message.FLAG_FUA, data);
            case TRIM -> new Trim(Long.MAX_VALUE, Long.MAX_VALUE, 0, Long.MAX_VALUE, Message.FLAG_FUA);
            case ZEROES -> new Zeroes(Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE, 0, Message.FLAG_PUNCH);
            case BARRIER -> new Barrier(Long.MAX_VALUE, Long.MAX_VALUE);
            case SYNC_START -> new SyncStart(Long.MAX_VALUE, SyncKind.full, Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE,
                    history);
            case RESYNC_DATA -> new ResyncData(Long.MAX_VALUE, 0, data);
            case RESYNC_HOLE -> new ResyncHole(Long.MAX_VALUE, 1, Long.MAX_VALUE - 1);
            case IN_SYNC -> new InSync(Long.MAX_VALUE, Long.MAX_VALUE, history);
            case DIGEST -> new Message.Digest(Long.MAX_VALUE, Long.MAX_VALUE - WireConstants.MAX_DATA_BYTES,
                    WireConstants.MAX_DATA_BYTES, true, randomBytes(6, WireConstants.DIGEST_BYTES));
            case DIGEST_REPLY -> new Message.DigestReply(0, WireConstants.MAX_DATA_BYTES, false, true);
            case ACK -> new Ack(Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE);
            case PING -> new Ping(Long.MAX_VALUE);
            case PONG -> new Pong(Long.MAX_VALUE);
            case PROMOTE_REQUEST -> new PromoteRequest(Long.MAX_VALUE);
            case PROMOTE_REPLY -> new PromoteReply(Long.MAX_VALUE, true, s);
        };
    }

    static byte[] randomBytes(long seed, int length) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    /** Log-like text: compresses to well under half with LZ4. */
    static byte[] textBytes(long seed, int length) {
        String[] words = {"replica", "write", "barrier", "UpToDate", "SyncTarget", "journal", "seq=", "offset=", "ok", "\n"};
        Random random = new Random(seed);
        StringBuilder text = new StringBuilder(length + 16);
        while (text.length() < length) {
            text.append(words[random.nextInt(words.length)]).append(random.nextInt(100)).append(' ');
        }
        return text.substring(0, length).getBytes(StandardCharsets.US_ASCII);
    }

    /** Extents 0, 1, ... count-1 (ascending, as NodeInfo requires). */
    static List<Long> extents(int count) {
        List<Long> extents = new ArrayList<>(count);
        for (long e = 0; e < count; e++) {
            extents.add(e);
        }
        return extents;
    }
}
