package io.replicator.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.embedded.EmbeddedChannel;
import io.replicator.nbd.codec.Replies;
import io.replicator.nbd.codec.RequestDecoder;
import io.replicator.nbd.device.MemoryBlockDevice;
import io.replicator.nbd.server.Export;
import io.replicator.nbd.server.NbdSession;
import io.replicator.nbd.wire.NbdCommand;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The whole transmission path of one request, single-threaded: bytes in, {@link RequestDecoder},
 * {@link NbdSession} (checks, serve, complete, write, the deferred flush task) over a 64 MiB
 * {@link MemoryBlockDevice}, reply out, on an EmbeddedChannel with a same-thread "I/O pool" (tasks given
 * to it run on the benchmark thread after the read, as they would on a pool thread). This is
 * the CPU the server spends per request apart from syscalls and thread handoffs (compare
 * {@link LoopbackRoundTripBenchmark}, which has both). Every invocation serves {@value #REQUESTS}
 * 4 KiB requests at random offsets, {@code batch} per socket read, pending tasks run and replies drained
 * (released) after every read.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class SessionRoundTripBenchmark {
    static final int REQUESTS = 16;
    static final long DEVICE_BYTES = 64L << 20;

    @Param({"WRITE", "READ"})
    String command;

    @Param({"1", "16"})
    int batch;

    @Param({"false", "true"})
    boolean structured;

    private EmbeddedChannel channel;
    private ChannelPipeline pipeline;
    private ByteBufAllocator alloc;
    private ByteBuf stream;
    private int readBytes;
    private long replies;
    /** The "I/O pool": tasks run after the read on this thread (never inside execute: a session may
     *  rely on execute returning before the task runs). */
    private final ArrayDeque<Runnable> ioTasks = new ArrayDeque<>();

    @Setup(Level.Trial)
    public void setUp() {
        NbdCommand c = NbdWire.command(command);
        MemoryBlockDevice device = new MemoryBlockDevice(DEVICE_BYTES);
        Export export = new Export("volume", "", device, false, 1);
        channel = new EmbeddedChannel(new RequestDecoder(), new NbdSession(export, structured, false, ioTasks::add, 64));
        pipeline = channel.pipeline();
        alloc = channel.alloc();
        stream = NbdWire.stream(alloc, c, REQUESTS, NbdWire.BLOCK, DEVICE_BYTES, 42);
        readBytes = batch * NbdWire.requestBytes(c, NbdWire.BLOCK);
        if (c == NbdCommand.READ) { // fill the device so reads copy real pages, not the shared zero page
            int chunk = 1 << 16;
            ByteBuf data = NbdWire.randomData(alloc, chunk, 3);
            for (long off = 0; off < DEVICE_BYTES; off += chunk) {
                ByteBuf write = alloc.directBuffer(NbdWire.requestBytes(NbdCommand.WRITE, chunk));
                NbdWire.writeRequest(write, NbdCommand.WRITE, off, off, chunk, data);
                channel.writeInbound(write);
                runTasks();
                channel.releaseOutbound();
            }
            data.release();
        }
        long expected = 0;
        for (int i = 0; i < 3; i++) {
            roundTrips();
            expected += REQUESTS;
        }
        int want = structured && c == NbdCommand.READ ? Replies.STRUCTURED_READ_HEADER_BYTES : NbdWire.simpleReplyBytes(c, 0);
        if (replies != expected * (c == NbdCommand.READ ? want + NbdWire.BLOCK : want)) {
            throw new IllegalStateException("reply bytes " + replies + " for " + expected + " requests");
        }
    }

    /** Runs I/O tasks and event-loop tasks until neither has any left. */
    private void runTasks() {
        do {
            Runnable task;
            while ((task = ioTasks.poll()) != null) {
                task.run();
            }
            channel.runPendingTasks();
        } while (!ioTasks.isEmpty());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        channel.finishAndReleaseAll();
        stream.release();
    }

    @Benchmark
    @OperationsPerInvocation(REQUESTS)
    public long roundTrips() {
        for (int off = 0; off < stream.writerIndex(); off += readBytes) {
            ByteBuf read = alloc.directBuffer(readBytes);
            read.writeBytes(stream, off, readBytes);
            pipeline.fireChannelRead(read);
            pipeline.fireChannelReadComplete();
            runTasks();
            ByteBuf reply;
            while ((reply = channel.readOutbound()) != null) {
                replies += reply.readableBytes();
                reply.release();
            }
        }
        return replies;
    }
}
