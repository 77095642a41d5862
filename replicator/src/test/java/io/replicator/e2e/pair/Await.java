package io.replicator.e2e.pair;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import java.util.function.Supplier;

/** Polls a condition until it holds or a deadline passes; never a bare sleep as synchronisation. */
final class Await {

    static final Duration POLL = Duration.ofMillis(25);

    private Await() {}

    /**
     * Reads {@code probe} every {@link #POLL} until {@code done} accepts the value, and returns it. On
     * timeout the test fails naming {@code what}, the last value seen and {@code context} (e.g. logs).
     */
    static <T> T until(String what, Duration timeout, Supplier<T> probe, Predicate<T> done, Supplier<String> context) {
        long deadline = System.nanoTime() + timeout.toNanos();
        T last = null;
        for (long polls = 0; ; polls++) {
            last = probe.get();
            if (last != null && done.test(last)) {
                return last;
            }
            if (System.nanoTime() > deadline) {
                return fail("waited " + timeout.toMillis() + " ms (" + polls + " polls) for " + what
                        + "; last seen: " + last + "\n" + context.get());
            }
            LockSupport.parkNanos(POLL.toNanos());
        }
    }
}
