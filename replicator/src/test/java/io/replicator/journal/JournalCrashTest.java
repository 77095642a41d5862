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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of a writing process: every entry whose append returned (the writer printed its seq) is in the
 * reopened journal with its content, and the journal takes appends after the crash. Twice: the second
 * writer continues the journal the first one left.
 */
class JournalCrashTest {

    private static final int PRINTED_BEFORE_KILL = 1000;

    @TempDir
    Path base;

    @Test
    void appendsThatReturnedSurviveKillMinus9() throws Exception {
        Path dir = base.resolve("journal");
        long lastPrinted = 0;
        for (int round = 1; round <= 2; round++) {
            long printed = runAndKill(dir, round);
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

    /** Starts a writer, kills it once it has printed enough, and returns the last seq it printed. */
    private long runAndKill(Path dir, int round) throws Exception {
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
        Process child = new ProcessBuilder(command).redirectError(err.toFile()).start();
        AtomicLong lastPrinted = new AtomicLong();
        CountDownLatch enough = new CountDownLatch(1);
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.US_ASCII))) {
                long lines = 0;
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                    lastPrinted.set(Long.parseLong(line.trim()));
                    if (++lines >= PRINTED_BEFORE_KILL) {
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
