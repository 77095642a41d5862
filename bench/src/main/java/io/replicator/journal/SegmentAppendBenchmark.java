package io.replicator.journal;

import io.replicator.bench.JournalAppendBenchmark;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.wire.DocumentContext;
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
 * Where the tail of {@code JournalAppendBenchmark.append} lives: Chronicle's document append alone, on one
 * journal segment with its pretouch thread, none of the journal's own code around it (no seq checks, no
 * entry codec or CRC, no retention, no roll). {@link #document} writes what an append writes (a 40-byte
 * header and 4 KiB of data); {@link #documentWithoutData} skips the data (the position moves, no byte is
 * stored), leaving Chronicle's header, lock and index work. Paced like {@code append}
 * ({@link JournalAppendBenchmark.Pace}); a new segment every iteration, so the appender never leaves its
 * first 128 MiB. In the package of {@link Segment}, which is not public.
 *
 * <p>Seen here, in one run at 20,000 a second: p99 {@code append} 10.6 us, {@code document} 10.2 us,
 * {@code documentWithoutData} 17.0 us, {@code JournalAppendBenchmark.copyBaseline} (the copy and CRC into
 * memory touched in advance) 0.6 us; p50 0.46, 0.38, 0.14 and 0.14 us. The slow one or two percent is in
 * Chronicle's writingDocument and close on this machine, with or without the data.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class SegmentAppendBenchmark {

    private static final long SEGMENT_BYTES = 128L << 20;
    private static final long TOUCH_AHEAD_BYTES = 16L << 20;
    private static final int HEADER_BYTES = 40;
    private static final int DATA_BYTES = 4096;

    private final Clock clock = Clock.systemUTC();
    private final byte[] header = new byte[HEADER_BYTES];
    private final ByteBuffer data = ByteBuffer.allocateDirect(DATA_BYTES);
    private Path dir;
    private int number;
    private Segment segment;
    private ExcerptAppender appender;
    private int cycle;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("segment-bench");
        byte[] random = new byte[DATA_BYTES];
        ThreadLocalRandom.current().nextBytes(random);
        data.put(random).flip();
    }

    /** A fresh segment per iteration: 1 s at 20,000 appends a second fills about 80 MiB of it. */
    @Setup(Level.Iteration)
    public void newSegment() throws IOException {
        segment = Segment.create(dir, ++number, clock, SEGMENT_BYTES, TOUCH_AHEAD_BYTES);
        appender = segment.appender();
        cycle = Segment.ROLL_CYCLE.current(clock::millis, 0);
    }

    @TearDown(Level.Iteration)
    public void dropSegment() throws IOException {
        segment.retire();
        segment.close();
        segment.delete();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        Files.deleteIfExists(dir);
    }

    @Benchmark
    public long document(JournalAppendBenchmark.Pace pace) {
        return append(true);
    }

    @Benchmark
    public long documentWithoutData(JournalAppendBenchmark.Pace pace) {
        return append(false);
    }

    private long append(boolean withData) {
        long end;
        try (DocumentContext dc = appender.writingDocument()) {
            Bytes<?> bytes = dc.wire().bytes();
            bytes.write(header, 0, HEADER_BYTES);
            if (withData) {
                data.clear();
                bytes.writeSome(data); // all of it: the segment has room
            } else {
                bytes.writeSkip(DATA_BYTES);
            }
            end = bytes.writePosition();
        }
        segment.pretoucher().appended(cycle, end);
        return end;
    }
}
