package io.replicator.bench;

import static io.replicator.nbd.wire.NbdConstants.SIMPLE_REPLY_HEADER_BYTES;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.replicator.nbd.codec.Replies;
import io.replicator.nbd.wire.NbdError;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Reply encoding through {@link Replies}, as NbdSession does it: a simple reply (WRITE/FLUSH ack) is a
 * fresh 16-byte direct buffer; a READ reply is one direct buffer of header + 4 KiB whose header is written
 * first (simple: 16 bytes, structured OFFSET_DATA chunk: 28 bytes). The {@code *Header} variants write
 * into a reused buffer: the encoding alone, without the allocator. Allocator: ByteBufAllocator.DEFAULT,
 * the one the server's channels use (Netty 4.2: adaptive pooling).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class ReplyEncodeBenchmark {
    private final ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;
    private ByteBuf scratch;
    private long cookie;

    @Setup(Level.Trial)
    public void setUp() {
        scratch = alloc.directBuffer(64);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        scratch.release();
    }

    /** Replies.simple: allocate 16 bytes, write the header, release (as the transport does after sending). */
    @Benchmark
    public int simpleReply() {
        ByteBuf b = Replies.simple(alloc, ++cookie, NbdError.OK);
        int n = b.readableBytes();
        b.release();
        return n;
    }

    @Benchmark
    public int simpleHeader() {
        scratch.clear();
        Replies.writeSimpleHeader(scratch, ++cookie, NbdError.OK);
        return scratch.writerIndex();
    }

    @Benchmark
    public int structuredReadHeader() {
        scratch.clear();
        Replies.writeReadChunkHeader(scratch, ++cookie, cookie << 12, NbdWire.BLOCK);
        return scratch.writerIndex();
    }

    /** A 4 KiB READ reply buffer with a simple header, data left unwritten (the device fills it). */
    @Benchmark
    public int simpleReadReply4k() {
        ByteBuf b = alloc.directBuffer(SIMPLE_REPLY_HEADER_BYTES + NbdWire.BLOCK);
        Replies.writeSimpleHeader(b, ++cookie, NbdError.OK);
        b.writerIndex(SIMPLE_REPLY_HEADER_BYTES + NbdWire.BLOCK);
        int n = b.readableBytes();
        b.release();
        return n;
    }

    /** A 4 KiB READ reply buffer with a structured OFFSET_DATA header. */
    @Benchmark
    public int structuredReadReply4k() {
        ByteBuf b = alloc.directBuffer(Replies.STRUCTURED_READ_HEADER_BYTES + NbdWire.BLOCK);
        Replies.writeReadChunkHeader(b, ++cookie, cookie << 12, NbdWire.BLOCK);
        b.writerIndex(Replies.STRUCTURED_READ_HEADER_BYTES + NbdWire.BLOCK);
        int n = b.readableBytes();
        b.release();
        return n;
    }

    /** A structured ERROR chunk (the failure path: message encoding). */
    @Benchmark
    public int structuredError() {
        ByteBuf b = Replies.structuredError(alloc, ++cookie, NbdError.EINVAL, "invalid READ (range, alignment, flags or unknown command)");
        int n = b.readableBytes();
        b.release();
        return n;
    }
}
