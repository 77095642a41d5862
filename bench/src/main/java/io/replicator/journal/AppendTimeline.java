package io.replicator.journal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;

/**
 * When the journal's slow appends happen: 4 KiB appends to a real {@link ChronicleJournal} at a fixed rate,
 * each timed, then the count of appends over a threshold per bucket of appends, with the buckets where a
 * segment rolled marked. JMH gives percentiles over an iteration; this shows whether the slow ones are spread
 * evenly or come in bursts (after rolls, in plateaus), which is what the percentiles cannot tell. A diagnostic
 * program, not a benchmark; in the package of {@link ChronicleJournal}'s constructor for small segments.
 *
 * <pre>
 *   java $(grep -v '^#' tools/bin/jvm-flags) -cp bench/target/benchmarks.jar io.replicator.journal.AppendTimeline \
 *       [appends=200000] [perSecond=20000] [segmentBytes=134217728] [bucket=4000] [slowNanos=4000] [dir=/tmp]
 * </pre>
 *
 * The first fifth of the appends (JIT warm-up) is left out of the percentiles, not out of the buckets. No
 * retention runs (the journal grows to appends × 4 KiB); the directory is deleted at the end.
 */
public final class AppendTimeline {

    private static final int DATA_BYTES = 4096;

    private AppendTimeline() {
    }

    public static void main(String[] args) throws IOException {
        int appends = Integer.parseInt(arg(args, "appends", "200000"));
        long periodNanos = 1_000_000_000L / Long.parseLong(arg(args, "perSecond", "20000"));
        long segmentBytes = Long.parseLong(arg(args, "segmentBytes", "134217728"));
        int bucket = Integer.parseInt(arg(args, "bucket", "4000"));
        long slowNanos = Long.parseLong(arg(args, "slowNanos", "4000"));
        Path dir = Files.createTempDirectory(Path.of(arg(args, "dir", System.getProperty("java.io.tmpdir"))), "append-timeline");
        long[] nanos = new long[appends];
        boolean[] rolled = new boolean[appends];
        ByteBuf data = PooledByteBufAllocator.DEFAULT.directBuffer(DATA_BYTES, DATA_BYTES);
        data.writeZero(DATA_BYTES);
        try (ChronicleJournal journal = ChronicleJournal.open(dir, Long.MAX_VALUE, Duration.ofDays(1), Clock.systemUTC(),
                segmentBytes)) {
            long seq = journal.lastSeq();
            long touched = 0;
            long next = System.nanoTime();
            for (int i = 0; i < appends; i++) {
                long start;
                while ((start = System.nanoTime()) < next) {
                    Thread.onSpinWait();
                }
                next = Math.max(next + periodNanos, start);
                seq++;
                journal.append(seq, Journal.WRITE, 0, (seq & 0xFFFFF) * DATA_BYTES, DATA_BYTES, data);
                nanos[i] = System.nanoTime() - start;
                if (i % 256 == 0) { // outside the timed append: the active segment's pretouch went back to its start
                    long now = journal.pretouchedTo();
                    rolled[i] = now < touched;
                    touched = now;
                }
            }
        } finally {
            data.release();
            JournalDirectory.deleteTree(dir);
        }
        report(nanos, rolled, bucket, slowNanos);
    }

    private static void report(long[] nanos, boolean[] rolled, int bucket, long slowNanos) {
        long[] sorted = Arrays.copyOfRange(nanos, nanos.length / 5, nanos.length);
        Arrays.sort(sorted);
        int n = sorted.length;
        System.out.printf("after warm-up: p50 %d ns, p90 %d, p99 %d, p99.9 %d, max %d; over %d ns: %d of %d%n",
                sorted[n / 2], sorted[n * 9 / 10], sorted[n * 99 / 100], sorted[n * 999 / 1000], sorted[n - 1], slowNanos,
                Arrays.stream(sorted).filter(v -> v > slowNanos).count(), n);
        StringBuilder line = new StringBuilder("over " + slowNanos + " ns per " + bucket + " appends (* a segment rolled):");
        for (int from = 0; from < nanos.length; from += bucket) {
            int slow = 0;
            boolean roll = false;
            for (int i = from; i < Math.min(nanos.length, from + bucket); i++) {
                slow += nanos[i] > slowNanos ? 1 : 0;
                roll |= rolled[i];
            }
            line.append(' ').append(slow).append(roll ? "*" : "");
        }
        System.out.println(line);
    }

    private static String arg(String[] args, String name, String fallback) {
        for (String a : args) {
            if (a.startsWith(name + "=")) {
                return a.substring(name.length() + 1);
            }
        }
        return fallback;
    }
}
