package io.replicator.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of a writing process: every entry whose append returned (the writer printed its seq) is in the
 * reopened journal with its content, and the journal takes appends after the crash. Several rounds: each
 * writer continues the journal the one before left. Once with plain appends, once with segments so small
 * that the kill lands amid size rolls, spare segments being made, retention deleting segments, and syncs.
 */
class JournalCrashTest {

    private static final int PRINTED_BEFORE_KILL = 1000;
    private static final long SEGMENT_BYTES = 64 << 10;
    private static final long KEEP_BEHIND = 40;

    @TempDir
    Path base;

    @Test
    void appendsThatReturnedSurviveKillMinus9() throws Exception {
        Path dir = base.resolve("journal");
        long lastPrinted = 0;
        for (int round = 1; round <= 2; round++) {
            long printed = runAndKill(dir, round, PRINTED_BEFORE_KILL);
            assertTrue(printed > lastPrinted + PRINTED_BEFORE_KILL - 1, "round " + round + " printed up to " + printed);
            lastPrinted = printed;
            try (ChronicleJournal journal = ChronicleJournal.open(dir, 1L << 40, Duration.ofDays(1), Clock.systemUTC())) {
                assertEquals(1, journal.firstSeq());
                assertTrue(journal.lastSeq() >= printed, "lastSeq " + journal.lastSeq() + " (expected: >= " + printed + ")");
                Entries.readAndCheck(journal, 1, journal.lastSeq());
                lastPrinted = journal.lastSeq();
            }
        }
    }

    @Test
    void sizeRollsAndRetentionSurviveKillMinus9() throws Exception {
        Path dir = base.resolve("segmented");
        long lastSeq = 0;
        for (int round = 1; round <= 4; round++) {
            // A different count each round moves the kill to another point of the roll cycle.
            int lines = PRINTED_BEFORE_KILL / 2 + 137 * round;
            long printed = runAndKill(dir, round, lines, String.valueOf(SEGMENT_BYTES), String.valueOf(KEEP_BEHIND));
            assertTrue(printed >= lastSeq + lines, "round " + round + " printed up to " + printed);
            try (ChronicleJournal journal = JournalCrashChild.open(dir, SEGMENT_BYTES)) {
                assertTrue(journal.lastSeq() >= printed, "lastSeq " + journal.lastSeq() + " (expected: >= " + printed + ")");
                long keptFrom = Math.max(1, printed + 1 - KEEP_BEHIND); // no trim asked for anything at or above
                assertTrue(journal.firstSeq() <= keptFrom, "firstSeq " + journal.firstSeq() + " (expected: <= " + keptFrom + ")");
                assertTrue(journal.firstSeq() > 1 || round == 1, "firstSeq 1 in round " + round + ": retention never ran");
                Entries.readAndCheck(journal, journal.firstSeq(), journal.lastSeq());
                lastSeq = journal.lastSeq();
                journal.trim(lastSeq - KEEP_BEHIND);
                try (Stream<Path> segments = Files.list(dir.resolve("gen-1"))) {
                    List<Path> left = segments.toList();
                    // The size bound (4 segments), some 40 entries (5 or so), the newest and a spare.
                    assertTrue(left.size() <= 12, "segments left after retention: " + left);
                }
            }
        }
    }

    /** Starts a writer, kills it once it has printed {@code lines} seqs, and returns the last seq it printed. */
    private long runAndKill(Path dir, int round, int lines, String... childArgs) throws Exception {
        Path err = base.resolve("child-" + round + ".err");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!arg.startsWith("-javaagent") && !arg.startsWith("-agentlib") && !arg.startsWith("-Xrunjdwp")) {
                command.add(arg); // the surefire argLine: Chronicle's JVM flags
            }
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), JournalCrashChild.class.getName(),
                dir.toString(), "60"));
        command.addAll(List.of(childArgs));
        Process child = new ProcessBuilder(command).redirectError(err.toFile()).start();
        AtomicLong lastPrinted = new AtomicLong();
        CountDownLatch enough = new CountDownLatch(1);
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.US_ASCII))) {
                long printed = 0;
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                    lastPrinted.set(Long.parseLong(line.trim()));
                    if (++printed >= lines) {
                        enough.countDown();
                    }
                }
            } catch (IOException e) {
                // the pipe breaks when the child dies
            }
        }, "crash-child-stdout");
        reader.start();
        try {
            if (!enough.await(120, TimeUnit.SECONDS)) {
                fail("the writer printed " + lastPrinted.get() + " seqs in 120 s; alive: " + child.isAlive() + "; stderr:\n"
                        + Files.readString(err));
            }
            assertTrue(child.isAlive(), "the writer exited before the kill; stderr:\n" + Files.readString(err));
            child.destroyForcibly(); // SIGKILL
            assertTrue(child.waitFor(30, TimeUnit.SECONDS), "the writer did not die");
            reader.join(TimeUnit.SECONDS.toMillis(30));
            assertTrue(!reader.isAlive(), "stdout still open after the writer died");
            return lastPrinted.get();
        } finally {
            child.destroyForcibly();
        }
    }
}
