package io.replicator.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.replicator.nbd.codec.RequestDecoder;
import io.replicator.nbd.wire.NbdCommand;
import io.replicator.nbd.wire.NbdRequest;
import java.util.ArrayList;
import java.util.List;
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
 * {@link RequestDecoder} on a stream of {@value #REQUESTS} 4 KiB requests, ns and bytes allocated per
 * request. The stream arrives as the epoll transport delivers it: every socket read is a fresh buffer
 * from the channel's allocator holding a copy of the bytes (the kernel's copy into user space), cut:
 * <ul>
 *   <li>{@code 1req}: one request per read (a client at queue depth 1);</li>
 *   <li>{@code 16req}: 16 whole requests per read (QD 16, reads aligned to requests);</li>
 *   <li>{@code 64KiB}: 64 KiB reads regardless of request boundaries (QD 16 4 KiB writes in steady
 *       state: a request straddles every read, so the decoder's cumulation buffer comes into play).</li>
 * </ul>
 * {@link #feedOnly} is the same feeding (allocate, copy, release) without the decoder: subtract it to
 * get the decoder's own cost. The pipeline ends in a handler that releases each request.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class RequestDecodeBenchmark {
    static final int REQUESTS = 256;

    @Param({"WRITE", "READ"})
    String command;

    @Param({"1req", "16req", "64KiB"})
    String chunking;

    /**
     * The decoder's cumulator: {@code merge} is ByteToMessageDecoder's default (what the server uses);
     * {@code composite} (COMPOSITE_CUMULATOR) avoids copying a straddling request into a new buffer.
     */
    @Param({"merge"})
    String cumulator;

    private EmbeddedChannel channel;
    private ChannelPipeline pipeline;
    private ByteBufAllocator alloc;
    private ByteBuf stream;
    private final List<int[]> chunks = new ArrayList<>(); // {offset, length} in stream
    private Sink sink;

    /** End of the pipeline: consumes every request as NbdSession would, releasing its payload. */
    static final class Sink extends ChannelInboundHandlerAdapter {
        long requests;
        long payloadBytes;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            NbdRequest r = (NbdRequest) msg;
            requests++;
            if (r.payload() != null) {
                payloadBytes += r.payload().readableBytes();
            }
            r.release();
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        NbdCommand c = NbdWire.command(command);
        sink = new Sink();
        RequestDecoder decoder = new RequestDecoder();
        decoder.setCumulator(cumulator(cumulator));
        channel = new EmbeddedChannel(decoder, sink);
        pipeline = channel.pipeline();
        alloc = channel.alloc();
        stream = NbdWire.stream(alloc, c, REQUESTS, NbdWire.BLOCK, 1L << 30, 42);
        int request = NbdWire.requestBytes(c, NbdWire.BLOCK);
        int step = switch (chunking) {
            case "1req" -> request;
            case "16req" -> 16 * request;
            case "64KiB" -> 65536;
            default -> throw new IllegalArgumentException(chunking);
        };
        for (int off = 0; off < stream.writerIndex(); off += step) {
            chunks.add(new int[] {off, Math.min(step, stream.writerIndex() - off)});
        }
        decode(); // sanity: every request comes out whole
        if (sink.requests != REQUESTS || sink.payloadBytes != (c == NbdCommand.WRITE ? (long) REQUESTS * NbdWire.BLOCK : 0)) {
            throw new IllegalStateException("decoded " + sink.requests + " requests, " + sink.payloadBytes + " payload bytes");
        }
    }

    static ByteToMessageDecoder.Cumulator cumulator(String name) {
        return switch (name) {
            case "merge" -> ByteToMessageDecoder.MERGE_CUMULATOR;
            case "composite" -> ByteToMessageDecoder.COMPOSITE_CUMULATOR;
            default -> throw new IllegalArgumentException("cumulator: " + name);
        };
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        channel.finishAndReleaseAll();
        stream.release();
    }

    @Benchmark
    @OperationsPerInvocation(REQUESTS)
    public long decode() {
        for (int[] chunk : chunks) {
            ByteBuf read = alloc.directBuffer(chunk[1]);
            read.writeBytes(stream, chunk[0], chunk[1]);
            pipeline.fireChannelRead(read);
            pipeline.fireChannelReadComplete();
        }
        return sink.requests;
    }

    @Benchmark
    @OperationsPerInvocation(REQUESTS)
    public int feedOnly() {
        int n = 0;
        for (int[] chunk : chunks) {
            ByteBuf read = alloc.directBuffer(chunk[1]);
            read.writeBytes(stream, chunk[0], chunk[1]);
            n += read.readableBytes();
            read.release();
        }
        return n;
    }
}
