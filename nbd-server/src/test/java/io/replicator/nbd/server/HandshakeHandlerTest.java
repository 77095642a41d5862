package io.replicator.nbd.server;

import static io.replicator.nbd.codec.RequestBytes.concat;
import static io.replicator.nbd.codec.RequestBytes.drainOutbound;
import static io.replicator.nbd.wire.NbdConstants.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.replicator.nbd.codec.RequestBytes;
import io.replicator.nbd.codec.TrackingAllocator;
import io.replicator.nbd.device.MemoryBlockDevice;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HandshakeHandlerTest {

    private static final int CLIENT_FLAGS = CLIENT_FLAG_FIXED_NEWSTYLE | CLIENT_FLAG_NO_ZEROES;
    private static final long DISK0_BYTES = 1 << 20;
    private static final long DISK1_BYTES = 256 * 1024;

    /** What the handshake handed to the transmission phase. */
    record Started(Export export, boolean structured, boolean baseAllocation) {}

    /** One option reply: magic checked, fields split out. */
    record OptionReply(int option, int type, byte[] data) {
        ByteBuffer buffer() {
            return ByteBuffer.wrap(data);
        }

        String text() {
            return new String(data, StandardCharsets.UTF_8);
        }
    }

    private final Export disk0 = new Export("disk0", "the first disk", new MemoryBlockDevice(DISK0_BYTES), false, 1);
    private final Export disk1 = new Export("disk1", "", new MemoryBlockDevice(DISK1_BYTES), true, 512);
    private final Map<String, Export> exports = new LinkedHashMap<>();
    private final TrackingAllocator alloc = new TrackingAllocator();
    private final List<Started> started = new ArrayList<>();
    private EmbeddedChannel channel;

    HandshakeHandlerTest() {
        exports.put(disk0.name(), disk0);
        exports.put(disk1.name(), disk1);
    }

    @AfterEach
    void noLeaks() {
        if (channel != null) {
            drainOutbound(channel);
            channel.finishAndReleaseAll();
        }
        alloc.assertAllReleased();
    }

    // ---- connection setup and client-side encoding

    private EmbeddedChannel open(TlsMode mode, SslContext ssl, HandshakeHandler.TransmissionStarter starter) throws Exception {
        channel = new EmbeddedChannel(false, false, new HandshakeHandler(exports, mode, ssl, starter));
        channel.config().setAllocator(alloc);
        channel.register();
        return channel;
    }

    private EmbeddedChannel open(TlsMode mode) throws Exception {
        return open(mode, null, (ctx, export, structured, baseAllocation) -> started.add(new Started(export, structured, baseAllocation)));
    }

    /** Opens, reads the greeting, sends the client flags. */
    private EmbeddedChannel negotiate(TlsMode mode, int clientFlags) throws Exception {
        open(mode);
        assertEquals(18, drainOutbound(channel).length);
        send(u32(clientFlags));
        return channel;
    }

    private EmbeddedChannel negotiate() throws Exception {
        return negotiate(TlsMode.OFF, CLIENT_FLAGS);
    }

    private void send(byte[] bytes) {
        channel.writeInbound(alloc.copyOf(bytes));
    }

    private static byte[] u32(int value) {
        return ByteBuffer.allocate(4).putInt(value).array();
    }

    static byte[] option(long magic, int option, long length, byte[] data) {
        return ByteBuffer.allocate(16 + data.length).putLong(magic).putInt(option).putInt((int) length).put(data).array();
    }

    static byte[] option(int option, byte[] data) {
        return option(IHAVEOPT, option, data.length, data);
    }

    static byte[] option(int option) {
        return option(option, new byte[0]);
    }

    private static byte[] string(String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(4 + bytes.length).putInt(bytes.length).put(bytes).array();
    }

    /** INFO/GO data: u32 name length, name, u16 count, count × u16 info. */
    static byte[] infoData(String name, int... infos) {
        ByteBuffer buf = ByteBuffer.allocate(4 + name.length() + 2 + 2 * infos.length);
        buf.putInt(name.length()).put(name.getBytes(StandardCharsets.UTF_8)).putShort((short) infos.length);
        for (int info : infos) {
            buf.putShort((short) info);
        }
        return buf.array();
    }

    /** Meta context data: u32 name length, name, u32 query count, queries as u32 length + text. */
    static byte[] metaData(String name, String... queries) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(string(name));
        out.writeBytes(u32(queries.length));
        for (String q : queries) {
            out.writeBytes(string(q));
        }
        return out.toByteArray();
    }

    /** Parses every reply the server wrote since the last call. */
    private List<OptionReply> replies() {
        ByteBuffer in = ByteBuffer.wrap(drainOutbound(channel));
        List<OptionReply> replies = new ArrayList<>();
        while (in.hasRemaining()) {
            assertEquals(OPTION_REPLY_MAGIC, in.getLong(), "option reply magic");
            int option = in.getInt();
            int type = in.getInt();
            byte[] data = new byte[in.getInt()];
            in.get(data);
            replies.add(new OptionReply(option, type, data));
        }
        return replies;
    }

    private OptionReply onlyReply() {
        List<OptionReply> replies = replies();
        assertEquals(1, replies.size(), () -> "replies: " + replies);
        return replies.get(0);
    }

    private void assertOnlyReply(int option, int type) {
        OptionReply reply = onlyReply();
        assertEquals(option, reply.option());
        assertEquals(type, reply.type(), () -> "reply type 0x" + Integer.toHexString(reply.type()) + ": " + reply.text());
        assertTrue(channel.isOpen(), "an error reply must not close the session");
    }

    private void assertClosedWithoutReply() {
        assertFalse(channel.isOpen(), "connection still open");
        assertEquals(0, drainOutbound(channel).length, "a reply was sent before closing");
        assertTrue(started.isEmpty());
    }

    private void assertListWorks() {
        send(option(OPT_LIST));
        List<OptionReply> replies = replies();
        assertEquals(3, replies.size(), () -> "replies: " + replies);
        assertEquals(REP_ACK, replies.get(2).type());
    }

    // ---- greeting and framing

    @Test
    void greetingAdvertisesFixedNewstyleAndNoZeroes() throws Exception {
        open(TlsMode.OFF);
        ByteBuffer greeting = ByteBuffer.wrap(drainOutbound(channel));
        assertEquals(18, greeting.remaining());
        assertEquals(NBDMAGIC, greeting.getLong());
        assertEquals(IHAVEOPT, greeting.getLong());
        assertEquals(FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES, greeting.getShort());
    }

    @Test
    void unknownClientFlagsCloseTheConnection() throws Exception {
        for (int flags : new int[] {1 << 2, 1 << 31, CLIENT_FLAGS | 1 << 7}) {
            started.clear();
            negotiate(TlsMode.OFF, flags);
            assertClosedWithoutReply();
            noLeaks();
        }
    }

    @Test
    void badOptionMagicClosesTheConnection() throws Exception {
        negotiate();
        send(option(IHAVEOPT + 1, OPT_LIST, 0, new byte[0]));
        assertClosedWithoutReply();
    }

    @Test
    void optionLongerThan64KiBClosesTheConnectionWithoutWaitingForItsData() throws Exception {
        negotiate();
        send(option(IHAVEOPT, OPT_LIST, MAX_OPTION_BYTES + 1L, new byte[0]));
        assertClosedWithoutReply();
    }

    @Test
    void optionOfExactly64KiBIsRead() throws Exception {
        negotiate();
        send(option(999, new byte[MAX_OPTION_BYTES]));
        assertOnlyReply(999, REP_ERR_UNSUP);
    }

    @Test
    void unknownOptionGetsUnsupAndTheSessionGoesOn() throws Exception {
        negotiate();
        send(option(4, new byte[] {1, 2, 3})); // 4 is PEEK_EXPORT, withdrawn from the spec
        assertOnlyReply(4, REP_ERR_UNSUP);
        send(option(0x7fff_ffff, new byte[0]));
        assertOnlyReply(0x7fff_ffff, REP_ERR_UNSUP);
        assertListWorks();
    }

    @Test
    void handshakeTimesOut() throws Exception {
        negotiate();
        channel.advanceTimeBy(59, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        assertTrue(channel.isOpen());
        channel.advanceTimeBy(2, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        assertFalse(channel.isOpen());
    }

    // ---- LIST

    @Test
    void listRepliesOneServerPerExportThenAck() throws Exception {
        negotiate();
        send(option(OPT_LIST));
        List<OptionReply> replies = replies();
        assertEquals(3, replies.size());
        for (int i = 0; i < 2; i++) {
            Export export = i == 0 ? disk0 : disk1;
            OptionReply r = replies.get(i);
            assertEquals(OPT_LIST, r.option());
            assertEquals(REP_SERVER, r.type());
            ByteBuffer data = r.buffer();
            byte[] name = new byte[data.getInt()];
            data.get(name);
            assertEquals(export.name(), new String(name, StandardCharsets.UTF_8));
            assertEquals(export.description(), StandardCharsets.UTF_8.decode(data).toString());
        }
        assertEquals(OPT_LIST, replies.get(2).option());
        assertEquals(REP_ACK, replies.get(2).type());
        assertEquals(0, replies.get(2).data().length);
    }

    @Test
    void listWithDataIsInvalid() throws Exception {
        negotiate();
        send(option(OPT_LIST, new byte[] {0}));
        assertOnlyReply(OPT_LIST, REP_ERR_INVALID);
        assertListWorks();
    }

    // ---- INFO and GO

    @Test
    void infoForAnUnknownExportIsUnknown() throws Exception {
        negotiate();
        send(option(OPT_INFO, infoData("nope")));
        assertOnlyReply(OPT_INFO, REP_ERR_UNKNOWN);
        send(option(OPT_GO, infoData("nope")));
        assertOnlyReply(OPT_GO, REP_ERR_UNKNOWN);
        assertTrue(started.isEmpty());
    }

    @Test
    void malformedInfoAndGoAreInvalid() throws Exception {
        negotiate();
        byte[] good = infoData("disk0", INFO_NAME);
        List<byte[]> malformed = List.of(
                new byte[0],
                new byte[] {0, 0},
                ByteBuffer.allocate(good.length).put(good).putInt(0, 6).array(), // name length beyond its data
                ByteBuffer.allocate(good.length).put(good).putInt(0, 0x7fff_ffff).array(),
                Arrays.copyOf(good, 9), // no count
                Arrays.copyOf(good, good.length - 1), // count says 1, one byte of it
                concat(good, new byte[] {0, 0}), // count says 1, two given
                concat(infoData("disk0"), new byte[] {0})); // trailing byte
        for (int option : new int[] {OPT_INFO, OPT_GO}) {
            for (byte[] data : malformed) {
                send(option(option, data));
                assertOnlyReply(option, REP_ERR_INVALID);
            }
        }
        assertTrue(started.isEmpty());
        assertListWorks();
    }

    @Test
    void infoDescribesTheExportWithoutStartingTransmission() throws Exception {
        negotiate();
        send(option(OPT_INFO, infoData("disk1")));
        List<OptionReply> replies = replies();
        assertEquals(List.of(REP_INFO, REP_INFO, REP_ACK), replies.stream().map(OptionReply::type).toList());
        assertInfoExport(replies.get(0), OPT_INFO, DISK1_BYTES, TX_HAS_FLAGS | TX_READ_ONLY | TX_SEND_FLUSH | TX_SEND_FUA | TX_SEND_CACHE | TX_CAN_MULTI_CONN);
        assertBlockSize(replies.get(1), OPT_INFO, 512, 4096);
        assertTrue(started.isEmpty());
        assertListWorks();
    }

    @Test
    void goRepliesInfoThenAckAndStartsTransmission() throws Exception {
        negotiate();
        send(option(OPT_GO, infoData("disk0", INFO_NAME, INFO_DESCRIPTION, INFO_BLOCK_SIZE)));
        List<OptionReply> replies = replies();
        assertEquals(List.of(REP_INFO, REP_INFO, REP_INFO, REP_INFO, REP_ACK), replies.stream().map(OptionReply::type).toList());
        int flags = TX_HAS_FLAGS | TX_SEND_FLUSH | TX_SEND_FUA | TX_SEND_CACHE | TX_SEND_WRITE_ZEROES | TX_SEND_TRIM
                | TX_SEND_FAST_ZERO | TX_CAN_MULTI_CONN;
        assertInfoExport(replies.get(0), OPT_GO, DISK0_BYTES, flags);
        assertInfoString(replies.get(1), INFO_NAME, "disk0");
        assertInfoString(replies.get(2), INFO_DESCRIPTION, "the first disk");
        assertBlockSize(replies.get(3), OPT_GO, 1, 4096);
        assertEquals(OPT_GO, replies.get(4).option());
        assertEquals(List.of(new Started(disk0, false, false)), started);
        // transmission owns the stream now: the handshake answers nothing more
        send(option(OPT_LIST));
        assertEquals(0, drainOutbound(channel).length);
        assertEquals(1, started.size());
    }

    @Test
    void goWithoutInfoRequestsStillSendsExportInfo() throws Exception {
        negotiate();
        send(option(OPT_GO, infoData("disk1")));
        List<OptionReply> replies = replies();
        assertEquals(List.of(REP_INFO, REP_INFO, REP_ACK), replies.stream().map(OptionReply::type).toList());
        assertEquals(INFO_EXPORT, replies.get(0).buffer().getShort());
        assertEquals(List.of(new Started(disk1, false, false)), started);
    }

    @Test
    void emptyNameMeansTheFirstExport() throws Exception {
        negotiate();
        send(option(OPT_GO, infoData("", INFO_NAME)));
        List<OptionReply> replies = replies();
        assertInfoExport(replies.get(0), OPT_GO, DISK0_BYTES, disk0.transmissionFlags(false));
        assertInfoString(replies.get(1), INFO_NAME, "disk0");
        assertEquals(List.of(new Started(disk0, false, false)), started);
    }

    @Test
    void dfIsAdvertisedOnlyWithStructuredReplies() throws Exception {
        negotiate();
        send(option(OPT_INFO, infoData("disk0")));
        assertEquals(0, replies().get(0).buffer().getShort(10) & TX_SEND_DF);
        send(option(OPT_STRUCTURED_REPLY));
        assertOnlyReply(OPT_STRUCTURED_REPLY, REP_ACK);
        send(option(OPT_GO, infoData("disk0")));
        assertEquals(TX_SEND_DF, replies().get(0).buffer().getShort(10) & TX_SEND_DF);
        assertEquals(List.of(new Started(disk0, true, false)), started);
    }

    private static void assertInfoExport(OptionReply reply, int option, long sizeBytes, int flags) {
        assertEquals(option, reply.option());
        assertEquals(REP_INFO, reply.type());
        ByteBuffer data = reply.buffer();
        assertEquals(12, data.remaining());
        assertEquals(INFO_EXPORT, data.getShort());
        assertEquals(sizeBytes, data.getLong());
        assertEquals(flags, data.getShort() & 0xffff, () -> "flags 0x" + Integer.toHexString(data.getShort(10)));
    }

    private static void assertInfoString(OptionReply reply, int info, String value) {
        assertEquals(REP_INFO, reply.type());
        ByteBuffer data = reply.buffer();
        assertEquals(info, data.getShort());
        assertEquals(value, StandardCharsets.UTF_8.decode(data).toString());
    }

    private static void assertBlockSize(OptionReply reply, int option, int min, int preferred) {
        assertEquals(option, reply.option());
        ByteBuffer data = reply.buffer();
        assertEquals(14, data.remaining());
        assertEquals(INFO_BLOCK_SIZE, data.getShort());
        assertEquals(min, data.getInt());
        assertEquals(preferred, data.getInt());
        assertEquals(MAX_PAYLOAD_BYTES, data.getInt());
    }

    // ---- EXPORT_NAME

    @Test
    void exportNameWithNoZeroesReplies10Bytes() throws Exception {
        negotiate(TlsMode.OFF, CLIENT_FLAGS);
        send(option(OPT_EXPORT_NAME, "disk1".getBytes(StandardCharsets.UTF_8)));
        ByteBuffer reply = ByteBuffer.wrap(drainOutbound(channel));
        assertEquals(10, reply.remaining());
        assertEquals(DISK1_BYTES, reply.getLong());
        assertEquals(disk1.transmissionFlags(false), reply.getShort() & 0xffff);
        assertEquals(List.of(new Started(disk1, false, false)), started);
    }

    @Test
    void exportNameWithoutNoZeroesReplies134Bytes() throws Exception {
        negotiate(TlsMode.OFF, CLIENT_FLAG_FIXED_NEWSTYLE);
        send(option(OPT_EXPORT_NAME, new byte[0]));
        byte[] reply = drainOutbound(channel);
        assertEquals(134, reply.length);
        assertEquals(DISK0_BYTES, ByteBuffer.wrap(reply).getLong());
        assertArrayEquals(new byte[124], Arrays.copyOfRange(reply, 10, 134));
        assertEquals(List.of(new Started(disk0, false, false)), started);
    }

    @Test
    void exportNameOfAnUnknownExportCloses() throws Exception {
        negotiate();
        send(option(OPT_EXPORT_NAME, "nope".getBytes(StandardCharsets.UTF_8)));
        assertClosedWithoutReply();
    }

    // ---- structured replies and meta contexts

    @Test
    void structuredReplyWithDataIsInvalid() throws Exception {
        negotiate();
        send(option(OPT_STRUCTURED_REPLY, new byte[] {1}));
        assertOnlyReply(OPT_STRUCTURED_REPLY, REP_ERR_INVALID);
        send(option(OPT_GO, infoData("disk0")));
        replies();
        assertEquals(List.of(new Started(disk0, false, false)), started);
    }

    @Test
    void setMetaContextNeedsStructuredRepliesFirst() throws Exception {
        negotiate();
        send(option(OPT_SET_META_CONTEXT, metaData("disk0", META_BASE_ALLOCATION)));
        assertOnlyReply(OPT_SET_META_CONTEXT, REP_ERR_INVALID);
    }

    @Test
    void listMetaContextWithoutQueriesListsBaseAllocation() throws Exception {
        negotiate();
        for (byte[] data : List.of(metaData("disk0"), metaData("disk1", "base:"), metaData("", "x:y", META_BASE_ALLOCATION))) {
            send(option(OPT_LIST_META_CONTEXT, data));
            List<OptionReply> replies = replies();
            assertEquals(List.of(REP_META_CONTEXT, REP_ACK), replies.stream().map(OptionReply::type).toList());
            ByteBuffer context = replies.get(0).buffer();
            assertEquals(0, context.getInt(), "LIST replies carry no context id");
            assertEquals(META_BASE_ALLOCATION, StandardCharsets.UTF_8.decode(context).toString());
        }
        send(option(OPT_LIST_META_CONTEXT, metaData("disk0", "qemu:dirty-bitmap:x")));
        assertOnlyReply(OPT_LIST_META_CONTEXT, REP_ACK);
        send(option(OPT_LIST_META_CONTEXT, metaData("nope")));
        assertOnlyReply(OPT_LIST_META_CONTEXT, REP_ERR_UNKNOWN);
        for (byte[] malformed : List.of(new byte[0], Arrays.copyOf(metaData("disk0"), 8),
                concat(metaData("disk0", "base:"), new byte[] {0}), Arrays.copyOf(metaData("disk0", "base:"), 16))) {
            send(option(OPT_LIST_META_CONTEXT, malformed));
            assertOnlyReply(OPT_LIST_META_CONTEXT, REP_ERR_INVALID);
        }
    }

    @Test
    void setBaseAllocationThenGoEnablesBlockStatus() throws Exception {
        negotiate();
        send(option(OPT_STRUCTURED_REPLY));
        assertOnlyReply(OPT_STRUCTURED_REPLY, REP_ACK);
        send(option(OPT_SET_META_CONTEXT, metaData("disk0", META_BASE_ALLOCATION)));
        List<OptionReply> replies = replies();
        assertEquals(List.of(REP_META_CONTEXT, REP_ACK), replies.stream().map(OptionReply::type).toList());
        ByteBuffer context = replies.get(0).buffer();
        assertEquals(META_ID_BASE_ALLOCATION, context.getInt());
        assertEquals(META_BASE_ALLOCATION, StandardCharsets.UTF_8.decode(context).toString());
        send(option(OPT_GO, infoData("disk0")));
        replies();
        assertEquals(List.of(new Started(disk0, true, true)), started);
    }

    @Test
    void goOfAnotherExportDropsTheMetaContext() throws Exception {
        negotiate();
        send(concat(option(OPT_STRUCTURED_REPLY), option(OPT_SET_META_CONTEXT, metaData("disk0", META_BASE_ALLOCATION))));
        replies();
        send(option(OPT_GO, infoData("disk1")));
        replies();
        assertEquals(List.of(new Started(disk1, true, false)), started);
    }

    @Test
    void setMetaContextWithoutAMatchClearsTheSelection() throws Exception {
        negotiate();
        send(concat(option(OPT_STRUCTURED_REPLY), option(OPT_SET_META_CONTEXT, metaData("disk0", META_BASE_ALLOCATION))));
        replies();
        send(option(OPT_SET_META_CONTEXT, metaData("disk0", "qemu:dirty-bitmap:x")));
        assertOnlyReply(OPT_SET_META_CONTEXT, REP_ACK);
        send(option(OPT_GO, infoData("disk0")));
        replies();
        assertEquals(List.of(new Started(disk0, true, false)), started);
    }

    // ---- ABORT and TLS

    @Test
    void abortIsAckedThenTheConnectionCloses() throws Exception {
        negotiate();
        send(concat(option(OPT_ABORT), option(OPT_LIST)));
        OptionReply reply = onlyReply();
        assertEquals(OPT_ABORT, reply.option());
        assertEquals(REP_ACK, reply.type());
        assertEquals(0, reply.data().length);
        assertFalse(channel.isOpen());
        assertTrue(started.isEmpty());
    }

    @Test
    void startTlsIsRefusedWhenTlsIsOff() throws Exception {
        negotiate(TlsMode.OFF, CLIENT_FLAGS);
        send(option(OPT_STARTTLS));
        assertOnlyReply(OPT_STARTTLS, REP_ERR_POLICY);
        assertListWorks();
    }

    @Test
    void requiredTlsRefusesOptionsBeforeStartTls() throws Exception {
        negotiate(TlsMode.REQUIRED, CLIENT_FLAGS);
        send(option(OPT_LIST));
        assertOnlyReply(OPT_LIST, REP_ERR_TLS_REQD);
        send(option(OPT_GO, infoData("disk0")));
        assertOnlyReply(OPT_GO, REP_ERR_TLS_REQD);
        send(option(OPT_INFO, infoData("disk0")));
        assertOnlyReply(OPT_INFO, REP_ERR_TLS_REQD);
        assertTrue(started.isEmpty());
        send(option(OPT_EXPORT_NAME, "disk0".getBytes(StandardCharsets.UTF_8)));
        assertClosedWithoutReply();
    }

    @Test
    void requiredTlsStillAllowsAbort() throws Exception {
        negotiate(TlsMode.REQUIRED, CLIENT_FLAGS);
        send(option(OPT_ABORT));
        assertOnlyReplyThenClosed(OPT_ABORT, REP_ACK);
    }

    private void assertOnlyReplyThenClosed(int option, int type) {
        OptionReply reply = onlyReply();
        assertEquals(option, reply.option());
        assertEquals(type, reply.type());
        assertFalse(channel.isOpen());
    }

    @Test
    void startTlsAcksThenInstallsTlsFirstAndForgetsEarlierNegotiation() throws Exception {
        SslContext client = SslContextBuilder.forClient().sslProvider(SslProvider.JDK).build();
        open(TlsMode.OPTIONAL, client, (ctx, export, structured, baseAllocation) -> started.add(new Started(export, structured, baseAllocation)));
        drainOutbound(channel);
        send(concat(u32(CLIENT_FLAGS), option(OPT_STRUCTURED_REPLY)));
        assertOnlyReply(OPT_STRUCTURED_REPLY, REP_ACK);
        send(option(OPT_STARTTLS, new byte[] {1}));
        assertOnlyReply(OPT_STARTTLS, REP_ERR_INVALID);
        send(option(OPT_STARTTLS));
        ByteBuffer out = ByteBuffer.wrap(drainOutbound(channel));
        assertEquals(OPTION_REPLY_MAGIC, out.getLong());
        assertEquals(OPT_STARTTLS, out.getInt());
        assertEquals(REP_ACK, out.getInt());
        assertEquals(0, out.getInt());
        // the (client-mode) engine of this test speaks first; it must speak after the ACK went out
        assertTrue(out.hasRemaining());
        assertEquals(0x16, out.get(), "a TLS handshake record follows the ACK");
        assertInstanceOf(SslHandler.class, channel.pipeline().first());
        assertEquals("tls", channel.pipeline().names().get(0));
        channel.pipeline().remove("tls"); // no TLS peer here: talk plain text to the handshake again
        send(option(OPT_STARTTLS));
        assertOnlyReply(OPT_STARTTLS, REP_ERR_INVALID); // already active
        send(option(OPT_GO, infoData("disk0")));
        replies();
        assertEquals(List.of(new Started(disk0, false, false)), started, "STARTTLS must discard STRUCTURED_REPLY");
    }

    @Test
    void bytesAfterStartTlsInTheSameReadClose() throws Exception {
        SslContext client = SslContextBuilder.forClient().sslProvider(SslProvider.JDK).build();
        open(TlsMode.REQUIRED, client, (ctx, export, structured, baseAllocation) -> started.add(new Started(export, structured, baseAllocation)));
        drainOutbound(channel);
        send(concat(u32(CLIENT_FLAGS), option(OPT_STARTTLS), option(OPT_LIST)));
        assertClosedWithoutReply();
        assertNull(channel.pipeline().get(SslHandler.class));
    }

    // ---- a whole negotiation, split

    /** Flags, STRUCTURED_REPLY, SET_META_CONTEXT, LIST, GO with name and description: as qemu-nbd's client does. */
    private static byte[] goNegotiation() {
        return concat(u32(CLIENT_FLAGS), option(OPT_STRUCTURED_REPLY),
                option(OPT_SET_META_CONTEXT, metaData("disk0", META_BASE_ALLOCATION)), option(OPT_LIST),
                option(OPT_GO, infoData("disk0", INFO_NAME, INFO_DESCRIPTION)));
    }

    @Test
    void goNegotiationSplitAtEveryPositionEndsTheSame() throws Exception {
        byte[] bytes = goNegotiation();
        open(TlsMode.OFF);
        drainOutbound(channel);
        send(bytes);
        byte[] expected = drainOutbound(channel);
        assertEquals(List.of(new Started(disk0, true, true)), started);
        assertTrue(expected.length > 200);
        noLeaks();
        for (int split = 0; split <= bytes.length; split++) {
            started.clear();
            open(TlsMode.OFF);
            drainOutbound(channel);
            RequestBytes.feedSplit(channel, alloc, bytes, split);
            assertArrayEquals(expected, drainOutbound(channel), "split at " + split);
            assertEquals(List.of(new Started(disk0, true, true)), started, "split at " + split);
            noLeaks();
        }
        started.clear();
        open(TlsMode.OFF);
        drainOutbound(channel);
        RequestBytes.feedBytewise(channel, alloc, bytes);
        assertArrayEquals(expected, drainOutbound(channel), "byte by byte");
        assertEquals(List.of(new Started(disk0, true, true)), started);
    }

    @Test
    void requestsPipelinedBehindGoReachTheTransmissionHandlers() throws Exception {
        // the same hand-over as NbdServer.startTransmission: add behind the handshake, then remove it
        List<byte[]> forwarded = new ArrayList<>();
        open(TlsMode.OFF, null, (ctx, export, structured, baseAllocation) -> {
            started.add(new Started(export, structured, baseAllocation));
            ctx.pipeline().addAfter(ctx.name(), "capture", new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext c, Object msg) {
                    ByteBuf buf = (ByteBuf) msg;
                    forwarded.add(ByteBufUtil.getBytes(buf));
                    buf.release();
                }
            });
            ctx.pipeline().remove(ctx.handler());
        });
        drainOutbound(channel);
        byte[] request = RequestBytes.request(0, 0, 1, 0, 512);
        send(concat(goNegotiation(), request));
        replies();
        assertEquals(1, started.size());
        assertEquals(1, forwarded.size());
        assertArrayEquals(request, forwarded.get(0));
    }
}
