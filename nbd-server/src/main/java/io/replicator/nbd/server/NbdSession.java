package io.replicator.nbd.server;

import static io.replicator.nbd.wire.NbdConstants.*;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.replicator.nbd.codec.Replies;
import io.replicator.nbd.device.BlockDevice;
import io.replicator.nbd.device.BlockDevice.FastZeroUnsupportedException;
import io.replicator.nbd.wire.NbdCommand;
import io.replicator.nbd.wire.NbdError;
import io.replicator.nbd.wire.NbdRequest;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The transmission phase of one connection: check a request on the event loop, run it on an I/O
 * thread, reply from the event loop. Replies go out in completion order (matched by cookie). At most
 * {@code maxInflight} requests run at once; beyond that the session stops reading from the socket and
 * parks what was already decoded, so memory stays bounded by the socket's receive buffer.
 */
public final class NbdSession extends ChannelInboundHandlerAdapter {
    private static final Log LOG = new Log("nbd");
    private static final int MAX_EXTENTS = 1024;
    /** Data bytes (read lengths plus write payloads) of the requests running at once on a connection. */
    private static final long MAX_INFLIGHT_BYTES = 64L << 20;

    private final Export export;
    private final BlockDevice device;
    private final boolean structured;
    private final boolean baseAllocation;
    private final Executor ioExecutor;
    private final int maxInflight;

    private final ArrayDeque<NbdRequest> parked = new ArrayDeque<>();
    private final int maxDrainers;
    /** Checked requests waiting for an I/O thread; filled on the event loop, drained on I/O threads. */
    private final ConcurrentLinkedQueue<NbdRequest> ready = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicInteger drainers = new AtomicInteger();
    private ChannelHandlerContext ctx;
    private int inflight;
    private long inflightBytes;
    private boolean disconnecting;
    private boolean flushScheduled;
    private final Runnable flushTask = () -> {
        flushScheduled = false;
        ctx.flush();
    };

    public NbdSession(Export export, boolean structured, boolean baseAllocation, Executor ioExecutor, int maxInflight) {
        this(export, structured, baseAllocation, ioExecutor, maxInflight, ServerConfig.DEFAULT_IO_THREADS);
    }

    public NbdSession(Export export, boolean structured, boolean baseAllocation, Executor ioExecutor, int maxInflight,
            int maxDrainers) {
        this.maxDrainers = maxDrainers;
        this.export = export;
        this.device = export.device();
        this.structured = structured;
        this.baseAllocation = baseAllocation;
        this.ioExecutor = ioExecutor;
        this.maxInflight = maxInflight;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    /** Requests being served or parked; the server waits for zero before it stops. */
    public int inflight() {
        return inflight + parked.size();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        NbdRequest request = (NbdRequest) msg;
        if (disconnecting) {
            request.release(); // nothing may follow DISC
            return;
        }
        parked.add(request);
        admit();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        admit(); // a client that does not read its replies gets no more requests served
        ctx.fireChannelWritabilityChanged();
    }

    /**
     * Starts parked requests while the bounds allow (one at least when nothing runs, so one large
     * request always makes progress), and reads from the socket only while nothing is parked.
     */
    private void admit() {
        while (!parked.isEmpty() && !disconnecting && ctx.channel().isWritable()
                && (inflight == 0 || (inflight < maxInflight && inflightBytes < MAX_INFLIGHT_BYTES))) {
            start(parked.poll());
        }
        dispatch();
        boolean read = parked.isEmpty() && !disconnecting;
        if (ctx.channel().config().isAutoRead() != read) {
            ctx.channel().config().setAutoRead(read);
        }
    }

    private static long dataBytes(NbdRequest request) {
        NbdCommand command = request.command();
        return command == NbdCommand.READ || command == NbdCommand.WRITE ? request.length() : 0;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        NbdRequest request;
        while ((request = parked.poll()) != null) {
            request.release();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!ctx.channel().isOpen()) {
            return; // a reply written after the close failed (void promise): the connection is gone already
        }
        LOG.warn("closing connection from " + ctx.channel().remoteAddress() + ": " + cause.getMessage());
        ctx.close();
    }

    private void start(NbdRequest request) {
        NbdError error = RequestChecks.check(request, export, structured, baseAllocation);
        if (error != NbdError.OK) {
            request.release();
            write(errorReply(request, error, RequestChecks.describe(error, request)));
            return;
        }
        if (request.command() == NbdCommand.DISC) {
            disconnecting = true;
            parked.forEach(NbdRequest::release); // nothing may follow DISC
            parked.clear();
            closeIfIdle();
            return;
        }
        inflight++;
        inflightBytes += dataBytes(request);
        ready.add(request);
        queued.incrementAndGet();
    }

    /**
     * Makes sure enough I/O threads drain the ready queue: one per four queued requests, up to
     * {@code maxDrainers}. A drainer serves requests until the queue is empty, so a burst of requests
     * costs a few thread wake-ups, not one each, while slow disks still see parallel requests.
     */
    private void dispatch() {
        int perDrainer = export.device().requestsPerThread();
        int wanted = Math.min(maxDrainers, (queued.get() + perDrainer - 1) / perDrainer);
        // count from one read: drainers that finish meanwhile must not make this loop start more (or spin
        // for ever with an executor that runs the task in the caller)
        for (int running = drainers.get(); running < wanted; running++) {
            drainers.incrementAndGet();
            try {
                ioExecutor.execute(this::drain);
            } catch (RejectedExecutionException e) {
                drainers.decrementAndGet();
                refuseReady();
                return;
            }
        }
    }

    /** Runs on an I/O thread until the queue is empty; re-checks after leaving so nothing is stranded. */
    private void drain() {
        do {
            NbdRequest request;
            while ((request = ready.poll()) != null) {
                queued.decrementAndGet();
                serve(request, dataBytes(request));
            }
            drainers.decrementAndGet();
        } while (!ready.isEmpty() && drainers.incrementAndGet() > 0);
    }

    /** The I/O pool is shut down: answer what is queued with ESHUTDOWN. */
    private void refuseReady() {
        NbdRequest request;
        while ((request = ready.poll()) != null) {
            queued.decrementAndGet();
            request.release();
            inflight--;
            inflightBytes -= dataBytes(request);
            write(errorReply(request, NbdError.ESHUTDOWN, "server is shutting down"));
        }
    }

    /** Runs on an I/O thread; a submitted request replies when the device completes it. */
    private void serve(NbdRequest request, long bytes) {
        ByteBuf reply;
        try {
            reply = perform(request, bytes);
        } catch (FastZeroUnsupportedException e) {
            reply = errorReply(request, NbdError.ENOTSUP, e.getMessage());
        } catch (IOException e) {
            logFailure(request, e);
            reply = errorReply(request, ErrorMapping.of(e), request.command() + " failed: " + e.getMessage());
        } catch (RuntimeException e) {
            logFailure(request, e); // a bug: answer EIO rather than leave the client waiting forever
            reply = errorReply(request, NbdError.EIO, request.command() + " failed: " + e);
        } finally {
            request.release();
        }
        if (reply != null) {
            reply(reply, bytes);
        }
    }

    /** From any thread: the reply goes out on the event loop. */
    private void reply(ByteBuf reply, long bytes) {
        try {
            ctx.executor().execute(() -> complete(reply, bytes));
        } catch (RejectedExecutionException e) {
            reply.release(); // the server is stopping: the connection is gone with its event loop
        }
    }

    /** The completion of a submitted request: a simple OK reply. */
    private BlockDevice.Completion replyOk(NbdRequest r, long bytes) {
        long cookie = r.cookie();
        return () -> reply(Replies.simple(ctx.alloc(), cookie, NbdError.OK), bytes);
    }

    private void logFailure(NbdRequest r, Exception e) {
        LOG.error(r.command() + " at offset " + r.offset() + " length " + r.length()
                + " on export '" + export.name() + "' failed", e);
    }

    /** @return the reply, or null for a request submitted to the device (it replies on completion) */
    private ByteBuf perform(NbdRequest r, long bytes) throws IOException {
        long offset = r.offset();
        switch (r.command()) {
            case READ -> {
                return read(r);
            }
            case WRITE -> {
                device.submitWrite(offset, r.payload(), r.fua(), replyOk(r, bytes));
                return null;
            }
            case FLUSH -> {
                device.submitFlush(replyOk(r, bytes));
                return null;
            }
            case TRIM -> {
                device.submitTrim(offset, r.length(), r.fua(), replyOk(r, bytes));
                return null;
            }
            case WRITE_ZEROES -> {
                device.submitWriteZeroes(offset, r.length(), (r.flags() & CMD_FLAG_NO_HOLE) == 0,
                        (r.flags() & CMD_FLAG_FAST_ZERO) != 0, r.fua(), replyOk(r, bytes));
                return null;
            }
            case CACHE -> device.cache(offset, r.length());
            case BLOCK_STATUS -> {
                return blockStatus(r);
            }
            case DISC -> throw new IllegalStateException("DISC is handled on the event loop");
        }
        // FUA on READ, CACHE or BLOCK_STATUS is accepted (the spec requires it) and has nothing to persist
        return Replies.simple(ctx.alloc(), r.cookie(), NbdError.OK);
    }

    /** Reads straight into the reply buffer behind its header. */
    private ByteBuf read(NbdRequest r) throws IOException {
        int length = (int) r.length();
        if (structured && length == 0) {
            return Replies.structuredDone(ctx.alloc(), r.cookie());
        }
        int header = structured ? Replies.STRUCTURED_READ_HEADER_BYTES : SIMPLE_REPLY_HEADER_BYTES;
        ByteBuf buf = ctx.alloc().directBuffer(header + length);
        try {
            if (structured) {
                Replies.writeReadChunkHeader(buf, r.cookie(), r.offset(), length);
            } else {
                Replies.writeSimpleHeader(buf, r.cookie(), NbdError.OK);
            }
            device.read(r.offset(), buf.nioBuffer(header, length));
            buf.writerIndex(header + length);
            return buf;
        } catch (IOException | RuntimeException e) {
            buf.release();
            throw e;
        }
    }

    /** One BLOCK_STATUS chunk for base:allocation, extents merged, at most MAX_EXTENTS (1 with REQ_ONE). */
    private ByteBuf blockStatus(NbdRequest r) throws IOException {
        int limit = (r.flags() & CMD_FLAG_REQ_ONE) != 0 ? 1 : MAX_EXTENTS;
        ExtentWriter extents = new ExtentWriter(ctx.alloc().directBuffer(STRUCTURED_REPLY_HEADER_BYTES + 4 + 8 * limit), limit);
        try {
            extents.buf.writerIndex(STRUCTURED_REPLY_HEADER_BYTES);
            extents.buf.writeInt(META_ID_BASE_ALLOCATION);
            device.blockStatus(r.offset(), r.length(), extents::add);
            extents.finish();
            if (extents.count == 0) {
                throw new IOException("device reported no extents");
            }
            int payload = extents.buf.writerIndex() - STRUCTURED_REPLY_HEADER_BYTES;
            int end = extents.buf.writerIndex();
            extents.buf.writerIndex(0);
            Replies.writeChunkHeader(extents.buf, REPLY_FLAG_DONE, REPLY_TYPE_BLOCK_STATUS, r.cookie(), payload);
            extents.buf.writerIndex(end);
            return extents.buf;
        } catch (IOException | RuntimeException e) {
            extents.buf.release();
            throw e;
        }
    }

    /** Merges adjacent extents of the same kind and writes (u32 length, u32 flags) descriptors. */
    private static final class ExtentWriter {
        final ByteBuf buf;
        final int limit;
        int count;
        long pendingLength;
        int pendingFlags = -1;

        ExtentWriter(ByteBuf buf, int limit) {
            this.buf = buf;
            this.limit = limit;
        }

        boolean add(long length, boolean hole, boolean zero) {
            int flags = (hole ? STATE_HOLE : 0) | (zero ? STATE_ZERO : 0);
            if (length <= 0) {
                return true;
            }
            if (flags == pendingFlags && pendingLength + length <= 0xFFFF_FFFFL) {
                pendingLength += length;
                return true;
            }
            finish();
            pendingLength = length;
            pendingFlags = flags;
            return count < limit;
        }

        void finish() {
            if (pendingFlags >= 0 && count < limit) {
                buf.writeInt((int) pendingLength).writeInt(pendingFlags);
                count++;
            }
            pendingFlags = -1;
        }
    }

    private ByteBuf errorReply(NbdRequest r, NbdError error, String message) {
        NbdCommand command = r.command();
        boolean needsChunk = structured && (command == NbdCommand.READ || command == NbdCommand.BLOCK_STATUS);
        return needsChunk
                ? Replies.structuredError(ctx.alloc(), r.cookie(), error, message)
                : Replies.simple(ctx.alloc(), r.cookie(), error);
    }

    /** On the event loop: send the reply, then admit parked requests. */
    private void complete(ByteBuf reply, long bytes) {
        inflight--;
        inflightBytes -= bytes;
        write(reply);
        admit();
        closeIfIdle();
    }

    /** Writes now, flushes once after the replies that complete together. */
    private void write(ByteBuf reply) {
        ctx.write(reply, ctx.voidPromise());
        if (!flushScheduled) {
            flushScheduled = true;
            ctx.executor().execute(flushTask);
        }
    }

    private void closeIfIdle() {
        if (disconnecting && inflight == 0 && parked.isEmpty()) {
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> ctx.close());
        }
    }
}
