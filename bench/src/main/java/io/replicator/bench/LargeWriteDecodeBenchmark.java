package io.replicator.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.embedded.EmbeddedChannel;
import io.replicator.nbd.codec.RequestDecoder;
import io.replicator.nbd.wire.NbdCommand;
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
 * {@link RequestDecoder} on {@value #REQUESTS} 1 MiB WRITE requests (fio's seqwrite1m) arriving in socket
 * reads of {@code chunkBytes} (the epoll transport's receive buffer grows to 64 KiB by default), each
 * read a fresh buffer from the channel's allocator as in the server. ns and bytes allocated per request.
 * With the default {@code merge} cumulator every read is copied into a cumulation buffer that grows (and
 * is copied again) until the 1 MiB payload is whole; {@code composite} keeps the reads as components.
 * {@link #feedOnly} is the feeding alone (allocate, copy in, release) for subtraction.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class LargeWriteDecodeBenchmark {
    static final int REQUESTS = 16;
    static final int LENGTH = 1 << 20;

    @Param({"65536"})
    int chunkBytes;

    @Param({"merge", "composite"})
    String cumulator;

    private EmbeddedChannel channel;
    private ChannelPipeline pipeline;
    private ByteBufAllocator alloc;
    private ByteBuf stream;
    private RequestDecodeBenchmark.Sink sink;

    @Setup(Level.Trial)
    public void setUp() {
        sink = new RequestDecodeBenchmark.Sink();
        RequestDecoder decoder = new RequestDecoder();
        decoder.setCumulator(RequestDecodeBenchmark.cumulator(cumulator));
        channel = new EmbeddedChannel(decoder, sink);
        pipeline = channel.pipeline();
        alloc = channel.alloc();
        stream = NbdWire.stream(alloc, NbdCommand.WRITE, REQUESTS, LENGTH, 1L << 30, 42);
        decode();
        if (sink.requests != REQUESTS || sink.payloadBytes != (long) REQUESTS * LENGTH) {
            throw new IllegalStateException("decoded " + sink.requests + " requests, " + sink.payloadBytes + " payload bytes");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        channel.finishAndReleaseAll();
        stream.release();
    }

    @Benchmark
    @OperationsPerInvocation(REQUESTS)
    public long decode() {
        int end = stream.writerIndex();
        for (int off = 0; off < end; off += chunkBytes) {
            int n = Math.min(chunkBytes, end - off);
            ByteBuf read = alloc.directBuffer(n);
            read.writeBytes(stream, off, n);
            pipeline.fireChannelRead(read);
            pipeline.fireChannelReadComplete();
        }
        return sink.requests;
    }

    @Benchmark
    @OperationsPerInvocation(REQUESTS)
    public int feedOnly() {
        int total = 0;
        int end = stream.writerIndex();
        for (int off = 0; off < end; off += chunkBytes) {
            int n = Math.min(chunkBytes, end - off);
            ByteBuf read = alloc.directBuffer(n);
            read.writeBytes(stream, off, n);
            total += read.readableBytes();
            read.release();
        }
        return total;
    }
}
