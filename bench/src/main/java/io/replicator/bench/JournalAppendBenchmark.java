package io.replicator.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.replicator.journal.ChronicleJournal;
import io.replicator.journal.Journal;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link ChronicleJournal#append} of one 4 KiB WRITE entry, the journal's cost on the write path. Sample
 * mode, so JMH reports p50/p99/p99.9 (target: p99 <= 2 us). As in the daemon, retention runs beside the
 * appends: a thread calls {@code trim} every 100 ms with keep-from a little behind the last seq (a peer that
 * keeps up), under a size bound of {@link #maxSizeBytes}: the default 1 GiB (128 MiB segments) and the
 * smallest the configuration accepts, 64 MiB (8 MiB segments, so a size roll every few thousand appends,
 * each taking the spare segment made ahead). The journal's clock runs {@code clockSpeedup} times faster than real
 * time, so that five-minute cycle files roll (and old ones are deleted) within a short run: at 600 a new
 * file every 0.5 s; 1 is real time (no roll during the run). {@link #checksumOnly} is the CRC32C of the
 * same 4 KiB, the part of an append that is ours rather than Chronicle's. {@link #copyBaseline} is the
 * machine's own tail for a like operation: the same 4 KiB copied into memory touched in advance, plus its
 * CRC32C, paced as {@link #append}; what the append's percentiles show beyond it is the journal's.
 *
 * <p>{@link Pace#appendsPerSecond}: 0 appends back to back (~120,000 a second here, ~500 MB/s of journal, more
 * than this machine's disk takes: the appender overtakes the pretouch thread and the kernel's dirty-page
 * throttling, and the tail measures those); a rate paces the appends (the wait is in an untimed
 * per-invocation setup, so only the append is measured): 20,000 a second is 80 MB/s of 4 KiB writes, about
 * twice what the pair takes from a client on this machine. Only {@link #append} takes the pacing state, so
 * {@link #checksumOnly} runs once and without a per-invocation setup.
 *
 * <p>Disk: the run writes a few GB to the temporary directory; retention keeps about the size bound of it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class JournalAppendBenchmark {

    static final int DATA_BYTES = 4096;
    static final long KEEP_BEHIND = 10_000;

    @Param({"600"})
    int clockSpeedup;

    @Param({"1073741824", "67108864"})
    long maxSizeBytes;

    private Path dir;
    private ChronicleJournal journal;
    private ScheduledExecutorService retention;
    private final AtomicLong trimmed = new AtomicLong();
    private ByteBuf data;
    private ByteBuffer dataNio;
    private final CRC32C crc = new CRC32C();
    private long seq;
    private long copies;
    private final ByteBuffer target = ByteBuffer.allocateDirect(64 << 20);

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("journal-bench");
        journal = ChronicleJournal.open(dir, maxSizeBytes, Duration.ofHours(1), new FastClock(clockSpeedup));
        data = PooledByteBufAllocator.DEFAULT.directBuffer(DATA_BYTES, DATA_BYTES);
        byte[] random = new byte[DATA_BYTES];
        ThreadLocalRandom.current().nextBytes(random);
        data.writeBytes(random);
        dataNio = data.nioBuffer();
        seq = journal.lastSeq();
        for (int i = 0; i < target.capacity(); i += 4096) {
            target.put(i, (byte) 1);
        }
        retention = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "journal-retention");
            t.setDaemon(true);
            return t;
        });
        retention.scheduleWithFixedDelay(this::trim, 100, 100, TimeUnit.MILLISECONDS);
    }

    private void trim() {
        try {
            trimmed.addAndGet(journal.trim(journal.lastSeq() - KEEP_BEHIND));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException, InterruptedException {
        retention.shutdown();
        if (!retention.awaitTermination(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("retention thread did not stop");
        }
        System.out.printf("%njournal: %d appends, %d entries trimmed, %d bytes retained%n", seq, trimmed.get(), journal.sizeBytes());
        journal.close();
        data.release();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** The append rate: 0 back to back, else appends a second (the wait is untimed). */
    @State(Scope.Thread)
    public static class Pace {
        @Param({"0", "20000"})
        int appendsPerSecond;

        private long periodNanos;
        private long nextNanos;

        @Setup(Level.Trial)
        public void start() {
            periodNanos = appendsPerSecond == 0 ? 0 : 1_000_000_000L / appendsPerSecond;
            nextNanos = System.nanoTime();
        }

        /** Waits (spinning) for the next append's turn; after a stall the rate resumes without a burst. */
        @Setup(Level.Invocation)
        public void await() {
            if (periodNanos == 0) {
                return;
            }
            long now;
            while ((now = System.nanoTime()) < nextNanos) {
                Thread.onSpinWait();
            }
            nextNanos = Math.max(nextNanos + periodNanos, now);
        }
    }

    @Benchmark
    public void append(Pace pace) throws IOException {
        long s = ++seq;
        journal.append(s, Journal.WRITE, 0, (s & 0xFFFFF) * DATA_BYTES, DATA_BYTES, data);
    }

    /** A 4 KiB copy into memory touched at setup (64 MiB, reused in turn) plus its CRC32C, paced as append. */
    @Benchmark
    public long copyBaseline(Pace pace) {
        int at = (int) ((++copies & 0x3FFF) * DATA_BYTES);
        target.put(at, dataNio, 0, DATA_BYTES);
        crc.reset();
        crc.update(dataNio.duplicate());
        return crc.getValue();
    }

    @Benchmark
    public long checksumOnly() {
        crc.reset();
        crc.update(dataNio.duplicate());
        return crc.getValue();
    }

    /** Real time sped up, from the start of the run: rolls cycle files (and ages them) quickly. */
    static final class FastClock extends Clock {
        private final long startMillis = System.currentTimeMillis();
        private final long startNanos = System.nanoTime();
        private final int speedup;

        FastClock(int speedup) {
            this.speedup = speedup;
        }

        @Override
        public long millis() {
            return startMillis + (System.nanoTime() - startNanos) / 1_000_000 * speedup;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis());
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException("UTC only");
        }
    }
}
