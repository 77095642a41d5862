package io.replicator.http;

import java.math.BigDecimal;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * A latency histogram with fixed buckets from 50 µs to 10 s. Recording is a short scan and two
 * atomic adds: no allocation, no lock. Buckets hold their own counts; rendering makes them
 * cumulative, as Prometheus expects.
 */
final class LatencyHistogram {
    static final long[] BOUNDS_NANOS = {
        micros(50), micros(100), micros(250), micros(500),
        millis(1), millis(2.5), millis(5), millis(10), millis(25), millis(50), millis(100), millis(250), millis(500),
        seconds(1), seconds(2.5), seconds(5), seconds(10),
    };
    private static final String[] BOUND_LABELS = new String[BOUNDS_NANOS.length];

    static {
        for (int i = 0; i < BOUNDS_NANOS.length; i++) {
            BOUND_LABELS[i] = BigDecimal.valueOf(BOUNDS_NANOS[i], 9).stripTrailingZeros().toPlainString();
        }
    }

    /** One slot per bound, and a last one for what is slower than 10 s. */
    private final AtomicLongArray counts = new AtomicLongArray(BOUNDS_NANOS.length + 1);
    private final LongAdder sumNanos = new LongAdder();

    void record(long nanos) {
        long n = Math.max(0, nanos);
        int i = 0;
        while (i < BOUNDS_NANOS.length && n > BOUNDS_NANOS[i]) {
            i++;
        }
        counts.incrementAndGet(i);
        sumNanos.add(n);
    }

    /** Appends {@code NAME_bucket}, {@code NAME_sum} and {@code NAME_count}; the +Inf bucket equals the count. */
    void render(PrometheusText out, String name, String help) {
        out.header(name, "histogram", help);
        long cumulative = 0;
        for (int i = 0; i < BOUNDS_NANOS.length; i++) {
            cumulative += counts.get(i);
            out.sample(name + "_bucket", "le", BOUND_LABELS[i], cumulative);
        }
        cumulative += counts.get(BOUNDS_NANOS.length);
        out.sample(name + "_bucket", "le", "+Inf", cumulative);
        out.sample(name + "_sum", sumNanos.sum() / 1e9);
        out.sample(name + "_count", cumulative);
    }

    private static long micros(long us) {
        return TimeUnit.MICROSECONDS.toNanos(us);
    }

    private static long millis(double ms) {
        return (long) (ms * 1_000_000);
    }

    private static long seconds(double s) {
        return (long) (s * 1_000_000_000);
    }
}
