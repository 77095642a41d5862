package io.replicator.nbd.server;

import static io.replicator.nbd.codec.RequestBytes.concat;
import static io.replicator.nbd.codec.RequestBytes.randomBytes;
import static io.replicator.nbd.codec.RequestBytes.request;
import static io.replicator.nbd.codec.RequestBytes.write;
import static io.replicator.nbd.wire.NbdConstants.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.replicator.nbd.device.BlockDevice;
import io.replicator.nbd.device.MemoryBlockDevice;
import io.replicator.nbd.server.SessionChannel.Reply;
import io.replicator.nbd.wire.NbdError;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class NbdSessionTest {

    private static final int SIZE = 1 << 20;
    private static final int PAGE = MemoryBlockDevice.PAGE_BYTES;
    private static final int READ = 0, WRITE = 1, DISC = 2, FLUSH = 3, TRIM = 4, CACHE = 5, WRITE_ZEROES = 6, BLOCK_STATUS = 7;

    private final MemoryBlockDevice memory = new MemoryBlockDevice(SIZE);
    private SessionChannel session;

    @AfterEach
    void noLeaks() {
        if (session != null) {
            session.close();
        }
    }

    private SessionChannel open(BlockDevice device, boolean readOnly, int minBlockBytes, boolean structured, boolean baseAllocation) {
        session = new SessionChannel(new Export("disk", "", device, readOnly, minBlockBytes), structured, baseAllocation);
        return session;
    }

    private SessionChannel open(boolean structured, boolean baseAllocation) {
        return open(memory, false, 1, structured, baseAllocation);
    }

    private SessionChannel openSimple() {
        return open(false, false);
    }

    private SessionChannel openWithExecutor(Executor executor, int maxInflight) {
        session = new SessionChannel(new Export("disk", "", memory, false, 1), false, false, executor, maxInflight);
        return session;
    }

    /** Sends one request and asserts it got one simple reply with {@code error} and no data. */
    private void assertSimpleError(byte[] request, long cookie, NbdError error) {
        session.send(request);
        Reply reply = session.onlyReply();
        assertEquals(cookie, reply.cookie());
        assertFalse(reply.structured(), () -> "structured reply " + reply);
        assertEquals(error.code, reply.error(), () -> "cookie " + cookie);
        assertEquals(0, reply.data().length);
        assertTrue(session.channel.isOpen(), "an error reply must not close the connection");
    }

    /** Sends one request and asserts its only reply is a final ERROR chunk with {@code error}. */
    private Reply assertErrorChunk(byte[] request, long cookie, NbdError error) {
        session.send(request);
        Reply reply = session.onlyReply();
        assertEquals(cookie, reply.cookie());
        assertTrue(reply.structured(), () -> "simple reply " + reply);
        assertEquals(REPLY_TYPE_ERROR, reply.type());
        assertEquals(REPLY_FLAG_DONE, reply.flags());
        ByteBuffer data = ByteBuffer.wrap(reply.data());
        assertEquals(error.code, data.getInt());
        int messageBytes = data.getShort();
        assertEquals(messageBytes, data.remaining());
        return reply;
    }

    // ---- happy paths

    @Test
    void writeThenReadReturnsTheData() {
        openSimple();
        byte[] data = randomBytes(1, 10_000);
        session.send(concat(write(CMD_FLAG_FUA, 1, 4000, data), session.read(0, 2, 4000, data.length)));
        List<Reply> replies = session.replies();
        assertEquals(2, replies.size());
        assertEquals(1, replies.get(0).cookie());
        assertEquals(0, replies.get(0).error());
        assertEquals(2, replies.get(1).cookie());
        assertArrayEquals(data, replies.get(1).data());
    }

    @Test
    void trimZeroesAndFlushSucceed() {
        openSimple();
        session.send(write(0, 1, 0, randomBytes(2, 3 * PAGE)));
        session.send(concat(request(0, TRIM, 2, 0, PAGE), request(CMD_FLAG_NO_HOLE, WRITE_ZEROES, 3, PAGE, PAGE),
                request(CMD_FLAG_FAST_ZERO | CMD_FLAG_FUA, WRITE_ZEROES, 4, 2 * PAGE, 100), request(0, FLUSH, 5, 0, 0),
                request(CMD_FLAG_FUA, CACHE, 6, 0, SIZE), request(CMD_FLAG_FUA, FLUSH, 7, 0, 0)));
        List<Reply> replies = session.replies();
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L), replies.stream().map(Reply::cookie).toList());
        assertTrue(replies.stream().allMatch(r -> r.error() == 0 && !r.structured()), replies::toString);
        session.send(session.read(0, 8, 0, 2 * PAGE + 100));
        assertArrayEquals(new byte[2 * PAGE + 100], session.onlyReply().data());
    }

    // ---- the errors the spec names

    @Test
    void writeBeyondTheEndIsEnospc() {
        openSimple();
        assertSimpleError(write(0, 1, SIZE - 10, new byte[11]), 1, NbdError.ENOSPC);
        assertSimpleError(write(0, 2, SIZE, new byte[1]), 2, NbdError.ENOSPC);
        assertSimpleError(write(0, 3, -512, new byte[1]), 3, NbdError.ENOSPC); // u64 offset above 2^63
        assertSimpleError(request(0, WRITE_ZEROES, 4, SIZE - 10, 11), 4, NbdError.ENOSPC);
        assertSimpleError(request(0, WRITE_ZEROES, 5, Long.MAX_VALUE, 1), 5, NbdError.ENOSPC);
        assertSimpleError(write(0, 6, SIZE - 11, new byte[11]), 6, NbdError.OK);
    }

    @Test
    void readTrimCacheAndBlockStatusBeyondTheEndAreEinval() {
        openSimple();
        assertSimpleError(session.read(0, 1, SIZE - 10, 11), 1, NbdError.EINVAL);
        assertSimpleError(session.read(0, 2, -1, 1), 2, NbdError.EINVAL);
        assertSimpleError(request(0, TRIM, 3, SIZE, 1), 3, NbdError.EINVAL);
        assertSimpleError(request(0, CACHE, 4, 1, SIZE), 4, NbdError.EINVAL);
        session.close();
        open(true, true);
        assertErrorChunk(request(0, BLOCK_STATUS, 5, SIZE - 1, 2), 5, NbdError.EINVAL);
        assertErrorChunk(request(0, BLOCK_STATUS, 6, Long.MIN_VALUE, 2), 6, NbdError.EINVAL);
    }

    @Test
    void misalignedRequestsAreEinval() {
        open(memory, false, 512, false, false);
        assertSimpleError(session.read(0, 1, 100, 512), 1, NbdError.EINVAL);
        assertSimpleError(session.read(0, 2, 512, 100), 2, NbdError.EINVAL);
        assertSimpleError(write(0, 3, 512, new byte[513]), 3, NbdError.EINVAL);
        assertSimpleError(request(0, TRIM, 4, 1, 511), 4, NbdError.EINVAL);
        assertSimpleError(request(0, WRITE_ZEROES, 5, 256, 512), 5, NbdError.EINVAL);
        assertSimpleError(request(0, CACHE, 6, 0, 1), 6, NbdError.EINVAL);
        assertSimpleError(write(0, 7, 1024, new byte[512]), 7, NbdError.OK);
        session.send(session.read(0, 8, 512, 1024));
        assertEquals(1024, session.onlyReply().data().length);
    }

    @Test
    void unknownCommandsAreEinval() {
        openSimple();
        for (int type : new int[] {8, 9, 11, 0x7fff, 0xffff}) {
            assertSimpleError(request(0, type, type, 0, 0), type, NbdError.EINVAL);
        }
        session.close();
        open(true, true);
        assertSimpleError(request(0, 0xffff, 1, 0, 512), 1, NbdError.EINVAL);
    }

    @Test
    void flagsNotDocumentedForTheCommandAreEinval() {
        open(true, true);
        int unknown = 1 << 5; // PAYLOAD_LEN: extended headers only
        assertErrorChunk(session.read(CMD_FLAG_NO_HOLE, 1, 0, 512), 1, NbdError.EINVAL);
        assertErrorChunk(session.read(CMD_FLAG_REQ_ONE, 2, 0, 512), 2, NbdError.EINVAL);
        assertErrorChunk(session.read(CMD_FLAG_FAST_ZERO, 3, 0, 512), 3, NbdError.EINVAL);
        assertErrorChunk(session.read(unknown, 4, 0, 512), 4, NbdError.EINVAL);
        assertErrorChunk(session.read(1 << 15, 5, 0, 512), 5, NbdError.EINVAL);
        assertSimpleError(write(CMD_FLAG_DF, 6, 0, new byte[1]), 6, NbdError.EINVAL);
        assertSimpleError(write(CMD_FLAG_NO_HOLE, 7, 0, new byte[1]), 7, NbdError.EINVAL);
        assertSimpleError(request(CMD_FLAG_FAST_ZERO, TRIM, 8, 0, 1), 8, NbdError.EINVAL);
        assertSimpleError(request(CMD_FLAG_DF, FLUSH, 9, 0, 0), 9, NbdError.EINVAL);
        assertSimpleError(request(CMD_FLAG_REQ_ONE, CACHE, 10, 0, 1), 10, NbdError.EINVAL);
        assertSimpleError(request(CMD_FLAG_REQ_ONE, WRITE_ZEROES, 11, 0, 1), 11, NbdError.EINVAL);
        assertErrorChunk(request(CMD_FLAG_NO_HOLE, BLOCK_STATUS, 12, 0, 1), 12, NbdError.EINVAL);
        assertErrorChunk(request(CMD_FLAG_DF, BLOCK_STATUS, 13, 0, 1), 13, NbdError.EINVAL);
        // and FUA is valid on every command
        session.send(concat(session.read(CMD_FLAG_FUA | CMD_FLAG_DF, 14, 0, 1), request(CMD_FLAG_FUA | CMD_FLAG_REQ_ONE, BLOCK_STATUS, 15, 0, 1)));
        assertEquals(List.of(REPLY_TYPE_OFFSET_DATA, REPLY_TYPE_BLOCK_STATUS), session.replies().stream().map(Reply::type).toList());
    }

    @Test
    void dfWithoutStructuredRepliesIsEinval() {
        openSimple();
        assertSimpleError(session.read(CMD_FLAG_DF, 1, 0, 512), 1, NbdError.EINVAL);
    }

    @Test
    void readOverTheMaximumPayloadIsEinvalOrEoverflowWithDf() {
        MemoryBlockDevice big = new MemoryBlockDevice(1L << 30);
        open(big, false, 1, false, false);
        assertSimpleError(session.read(0, 1, 0, MAX_PAYLOAD_BYTES + 1L), 1, NbdError.EINVAL);
        session.close();
        open(big, false, 1, true, false);
        assertErrorChunk(session.read(0, 2, 0, MAX_PAYLOAD_BYTES + 1L), 2, NbdError.EINVAL);
        assertErrorChunk(session.read(CMD_FLAG_DF, 3, 0, MAX_PAYLOAD_BYTES + 1L), 3, NbdError.EOVERFLOW);
        assertErrorChunk(session.read(CMD_FLAG_DF, 4, 0, 0xffff_ffffL), 4, NbdError.EOVERFLOW);
        // the spec's floor: DF reads of 64 KiB are served unfragmented
        session.send(session.read(CMD_FLAG_DF, 5, 0, 65536));
        Reply reply = session.onlyReply();
        assertEquals(REPLY_TYPE_OFFSET_DATA, reply.type());
        assertEquals(8 + 65536, reply.data().length);
    }

    @Test
    void modifyingAReadOnlyExportIsEperm() {
        open(memory, true, 1, false, false);
        assertSimpleError(write(0, 1, 0, new byte[512]), 1, NbdError.EPERM);
        assertSimpleError(request(0, TRIM, 2, 0, 512), 2, NbdError.EPERM);
        assertSimpleError(request(0, WRITE_ZEROES, 3, 0, 512), 3, NbdError.EPERM);
        assertSimpleError(request(0, FLUSH, 4, 0, 0), 4, NbdError.OK);
        assertSimpleError(request(0, CACHE, 5, 0, 512), 5, NbdError.OK);
        session.send(session.read(0, 6, 0, 512));
        assertEquals(0, session.onlyReply().error());
    }

    @Test
    void readOnlyDeviceMakesTheExportReadOnly() {
        open(new MemoryBlockDevice(SIZE, true), false, 1, false, false);
        assertSimpleError(write(0, 1, 0, new byte[512]), 1, NbdError.EPERM);
    }

    @Test
    void flushWithAnOffsetOrLengthIsEinval() {
        openSimple();
        assertSimpleError(request(0, FLUSH, 1, 512, 0), 1, NbdError.EINVAL);
        assertSimpleError(request(0, FLUSH, 2, 0, 512), 2, NbdError.EINVAL);
        assertSimpleError(request(0, FLUSH, 3, 0, 0), 3, NbdError.OK);
    }

    @Test
    void blockStatusWithoutAMetaContextIsEinval() {
        open(true, false);
        assertErrorChunk(request(0, BLOCK_STATUS, 1, 0, 512), 1, NbdError.EINVAL);
        session.close();
        openSimple();
        assertSimpleError(request(0, BLOCK_STATUS, 2, 0, 512), 2, NbdError.EINVAL);
        session.close();
        open(true, true);
        assertErrorChunk(request(0, BLOCK_STATUS, 3, 0, 0), 3, NbdError.EINVAL);
    }

    @Test
    void fastZeroTheDeviceCannotDoIsEnotsup() {
        open(new FaultyDevice(memory, Fault.FAST_ZERO), false, 1, false, false);
        assertSimpleError(request(CMD_FLAG_FAST_ZERO, WRITE_ZEROES, 1, 0, 4096), 1, NbdError.ENOTSUP);
        assertSimpleError(request(0, WRITE_ZEROES, 2, 0, 4096), 2, NbdError.OK);
    }

    @Test
    void deviceErrorsAreEio() {
        open(new FaultyDevice(memory, Fault.IO), false, 1, false, false);
        session.send(session.read(0, 1, 0, 4096));
        Reply reply = session.onlyReply();
        assertEquals(NbdError.EIO.code, reply.error());
        assertEquals(0, reply.data().length, "no data after an error header");
        assertSimpleError(write(0, 2, 0, new byte[10]), 2, NbdError.EIO);
        assertSimpleError(request(0, FLUSH, 3, 0, 0), 3, NbdError.EIO);
    }

    // ---- structured replies

    @Test
    void structuredReadIsOneOffsetDataChunkWithDone() {
        open(true, false);
        byte[] data = randomBytes(3, 5000);
        session.send(concat(write(0, 1, 12345, data), session.read(0, 2, 12345, data.length)));
        List<Reply> replies = session.replies();
        assertEquals(2, replies.size());
        assertFalse(replies.get(0).structured(), "a WRITE may get a simple reply");
        Reply chunk = replies.get(1);
        assertEquals(2, chunk.cookie());
        assertTrue(chunk.structured());
        assertEquals(REPLY_FLAG_DONE, chunk.flags());
        assertEquals(REPLY_TYPE_OFFSET_DATA, chunk.type());
        ByteBuffer payload = ByteBuffer.wrap(chunk.data());
        assertEquals(12345, payload.getLong());
        byte[] read = new byte[payload.remaining()];
        payload.get(read);
        assertArrayEquals(data, read);
    }

    @Test
    void structuredEmptyReadEndsWithANoneChunk() {
        open(true, false);
        session.send(session.read(0, 1, 0, 0));
        Reply reply = session.onlyReply();
        assertEquals(REPLY_TYPE_NONE, reply.type());
        assertEquals(REPLY_FLAG_DONE, reply.flags());
        assertEquals(0, reply.data().length);
    }

    @Test
    void structuredReadErrorIsAnErrorChunk() {
        open(new FaultyDevice(memory, Fault.IO), false, 1, true, true);
        Reply reply = assertErrorChunk(session.read(0, 1, 0, 4096), 1, NbdError.EIO);
        String message = new String(reply.data(), 6, reply.data().length - 6, StandardCharsets.UTF_8);
        assertTrue(message.contains("READ"), message);
        assertErrorChunk(request(0, BLOCK_STATUS, 2, 0, 4096), 2, NbdError.EIO);
    }

    // ---- block status

    /** (length, flags) pairs of a BLOCK_STATUS chunk for base:allocation. */
    private static List<List<Long>> descriptors(Reply reply) {
        assertTrue(reply.structured());
        assertEquals(REPLY_TYPE_BLOCK_STATUS, reply.type());
        assertEquals(REPLY_FLAG_DONE, reply.flags());
        ByteBuffer data = ByteBuffer.wrap(reply.data());
        assertEquals(META_ID_BASE_ALLOCATION, data.getInt());
        assertEquals(0, data.remaining() % 8);
        List<List<Long>> descriptors = new ArrayList<>();
        while (data.hasRemaining()) {
            descriptors.add(List.of(data.getInt() & 0xffff_ffffL, (long) data.getInt()));
        }
        return descriptors;
    }

    @Test
    void blockStatusReportsHolesAndData() {
        open(true, true);
        session.send(write(0, 1, PAGE, randomBytes(4, PAGE)));
        session.send(write(0, 2, 3 * PAGE + 10, new byte[] {1}));
        session.replies();
        long hole = STATE_HOLE | STATE_ZERO;
        session.send(request(0, BLOCK_STATUS, 3, 0, 5 * PAGE));
        assertEquals(List.of(List.of((long) PAGE, hole), List.of((long) PAGE, 0L), List.of((long) PAGE, hole),
                List.of((long) PAGE, 0L), List.of((long) PAGE, hole)), descriptors(session.onlyReply()));
        session.send(request(0, BLOCK_STATUS, 4, PAGE + 100, 2 * PAGE));
        assertEquals(List.of(List.of(PAGE - 100L, 0L), List.of((long) PAGE, hole), List.of(100L, 0L)),
                descriptors(session.onlyReply()));
        session.send(request(CMD_FLAG_REQ_ONE, BLOCK_STATUS, 5, 0, 5 * PAGE));
        assertEquals(List.of(List.of((long) PAGE, hole)), descriptors(session.onlyReply()));
        session.send(request(CMD_FLAG_REQ_ONE, BLOCK_STATUS, 6, PAGE, SIZE - PAGE));
        assertEquals(List.of(List.of((long) PAGE, 0L)), descriptors(session.onlyReply()));
        session.send(request(0, BLOCK_STATUS, 7, 0, SIZE));
        List<List<Long>> all = descriptors(session.onlyReply());
        assertEquals(SIZE, all.stream().mapToLong(d -> d.get(0)).sum());
    }

    @Test
    void blockStatusOfAnUnalignedDeviceEnd() {
        open(new MemoryBlockDevice(PAGE + 1000), false, 1, true, true);
        session.send(write(0, 1, PAGE + 999, new byte[] {7}));
        session.replies();
        session.send(request(0, BLOCK_STATUS, 2, 0, PAGE + 1000));
        assertEquals(List.of(List.of((long) PAGE, 3L), List.of(1000L, 0L)), descriptors(session.onlyReply()));
    }

    // ---- disconnect and back-pressure

    @Test
    void discClosesOnlyAfterEarlierRequestsAreAnsweredAndIgnoresLaterOnes() {
        for (int maxInflight : new int[] {1, 2, 64}) {
            ArrayDeque<Runnable> io = new ArrayDeque<>();
            openWithExecutor(io::add, maxInflight);
            byte[] later = write(0, 9, 0, new byte[100]);
            session.send(concat(session.read(0, 1, 0, 100), write(0, 2, 0, new byte[100]), request(0, DISC, 3, 0, 0), later));
            assertFalse(session.channel.config().isAutoRead(), "reading on after DISC");
            List<Long> answered = new ArrayList<>();
            while (!io.isEmpty()) {
                assertTrue(session.channel.isOpen(), () -> "closed before requests 1 and 2 were answered, maxInflight " + maxInflight);
                runIo(io);
                session.replies().forEach(r -> answered.add(r.cookie()));
            }
            assertEquals(List.of(1L, 2L), answered.stream().sorted().toList(), "a request after DISC was served, or one before it not");
            assertFalse(session.channel.isOpen());
            assertEquals(0, session.session.inflight());
            session.close();
        }
        session = null;
    }

    @Test
    void discWithNothingInFlightClosesAtOnce() {
        openSimple();
        session.send(request(0, DISC, 1, 0, 0));
        assertTrue(session.replies().isEmpty(), "DISC has no reply");
        assertFalse(session.channel.isOpen());
    }

    @Test
    void aFramingErrorClosesTheConnection() {
        openSimple();
        session.send(concat(session.read(0, 1, 0, 10), new byte[28], session.read(0, 2, 0, 10)));
        assertFalse(session.channel.isOpen());
        // the connection is dropped at once: a reply to a request before the bad frame may be lost with it
        List<Long> answered = session.replies().stream().map(Reply::cookie).toList();
        assertTrue(answered.isEmpty() || answered.equals(List.of(1L)), answered::toString);
    }

    @Test
    void requestsBeyondMaxInflightAreParkedAndReadingPauses() {
        ArrayDeque<Runnable> io = new ArrayDeque<>();
        openWithExecutor(io::add, 2);
        session.send(concat(session.read(0, 1, 0, 10), session.read(0, 2, 10, 10), session.read(0, 3, 20, 10)));
        assertFalse(io.isEmpty());
        assertEquals(3, session.session.inflight());
        assertFalse(session.channel.config().isAutoRead(), "reading on with a request parked");
        runIo(io);
        List<Long> answered = new ArrayList<>(session.replies().stream().map(Reply::cookie).toList());
        assertTrue(answered.contains(1L), answered::toString);
        assertTrue(session.channel.config().isAutoRead(), "a slot freed and nothing parked any more: read again");
        while (!io.isEmpty()) {
            runIo(io);
        }
        session.replies().forEach(r -> answered.add(r.cookie()));
        assertEquals(List.of(1L, 2L, 3L), answered.stream().sorted().toList());
        assertEquals(0, session.session.inflight());
        assertTrue(session.channel.config().isAutoRead());
    }

    @Test
    void parkedRequestsAreReleasedWhenTheConnectionDrops() {
        ArrayDeque<Runnable> io = new ArrayDeque<>();
        openWithExecutor(io::add, 1);
        session.send(concat(write(0, 1, 0, new byte[100]), write(0, 2, 0, new byte[100]), write(0, 3, 0, new byte[100])));
        assertFalse(io.isEmpty());
        session.channel.close();
        while (!io.isEmpty()) {
            runIo(io); // what runs completes after the close: its reply goes nowhere, and is released
        }
        assertTrue(session.replies().isEmpty());
    }

    private void runIo(ArrayDeque<Runnable> io) {
        io.poll().run();
        session.channel.runPendingTasks();
    }

    // ---- a device that fails on demand

    enum Fault { IO, FAST_ZERO }

    /** Delegates to a device, failing every data operation with {@link Fault}. */
    static final class FaultyDevice implements BlockDevice {
        private final BlockDevice delegate;
        private final Fault fault;

        FaultyDevice(BlockDevice delegate, Fault fault) {
            this.delegate = delegate;
            this.fault = fault;
        }

        private void fail() throws IOException {
            if (fault == Fault.IO) {
                throw new IOException("injected fault");
            }
        }

        @Override
        public long sizeBytes() {
            return delegate.sizeBytes();
        }

        @Override
        public void read(long offset, ByteBuffer dst) throws IOException {
            fail();
            delegate.read(offset, dst);
        }

        @Override
        public void write(long offset, ByteBuf data, boolean fua) throws IOException {
            fail();
            delegate.write(offset, data, fua);
        }

        @Override
        public void flush() throws IOException {
            fail();
            delegate.flush();
        }

        @Override
        public void trim(long offset, long length, boolean fua) throws IOException {
            fail();
            delegate.trim(offset, length, fua);
        }

        @Override
        public void writeZeroes(long offset, long length, boolean mayPunch, boolean fastOnly, boolean fua) throws IOException {
            fail();
            if (fastOnly && fault == Fault.FAST_ZERO) {
                throw new FastZeroUnsupportedException("cannot zero fast here");
            }
            delegate.writeZeroes(offset, length, mayPunch, fastOnly, fua);
        }

        @Override
        public void cache(long offset, long length) throws IOException {
            fail();
            delegate.cache(offset, length);
        }

        @Override
        public void blockStatus(long offset, long length, ExtentSink sink) throws IOException {
            fail();
            delegate.blockStatus(offset, length, sink);
        }

        @Override
        public void close() throws IOException {
            delegate.close();
        }
    }
}
