package io.replicator.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random sequences of append, read, trim, reset, sync, clock moves and reopen, checked against a list
 * model, for both journals. Seeded: a failure names the seed and the operations up to it. The Chronicle
 * journal runs with segments of 40 to 88 KiB, so size rolls, time rolls and retention of whole segments mix.
 */
class JournalProperties {

    private static final Duration MAX_AGE = Duration.ofMinutes(20);

    @TempDir
    Path tmp;

    /** One entry of the model; its data bytes follow from {@code key}. */
    private record Model(long seq, byte type, int flags, long offset, long length, long key) {
    }

    /** Opens a journal (again) for a run; {@code reopen} keeps the directory. */
    private interface Opener {
        Journal open(boolean reopen) throws IOException;
    }

    private long chronicleTrimmed;
    private int highestSegment;

    @Test
    void memoryJournalFollowsTheModel() throws IOException {
        for (int seed = 1; seed <= 150; seed++) {
            long maxEntries = 5 + seed % 40;
            MemoryJournal[] current = new MemoryJournal[1];
            run(seed, 300, false, reopen -> current[0] = new MemoryJournal(maxEntries), maxEntries, new MutableClock(Instant.EPOCH));
        }
    }

    @Test
    void chronicleJournalFollowsTheModel() throws IOException {
        for (int seed = 1; seed <= 10; seed++) {
            Path dir = tmp.resolve("seed-" + seed);
            MutableClock clock = new MutableClock(Instant.parse("2026-11-20T10:00:00Z"));
            long maxSize = 40_000 + 20_000L * (seed % 4);
            long segmentBytes = (40L << 10) + (16L << 10) * (seed % 4);
            run(seed, 150, true, reopen -> ChronicleJournal.open(dir, maxSize, MAX_AGE, clock, segmentBytes), -1, clock);
            highestSegment = Math.max(highestSegment, highestSegment(dir));
        }
        assertTrue(chronicleTrimmed > 0, "retention never dropped an entry: the runs did not test it");
        assertTrue(highestSegment > 5, "segment " + highestSegment + " was the highest: the runs did not roll by size");
    }

    private static int highestSegment(Path dir) throws IOException {
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.walk(dir, 2)) {
            return files.mapToInt(p -> Segment.numberOf(p.getFileName().toString())).max().orElse(0);
        }
    }

    private void run(int seed, int ops, boolean durable, Opener opener, long maxEntries, MutableClock clock) throws IOException {
        Random rnd = new Random(seed);
        List<String> log = new ArrayList<>();
        List<Model> model = new ArrayList<>(); // model.get(i).seq == first + i
        long[] firstLast = {1, 0};
        Journal journal = opener.open(false);
        Journal.Cursor follower = null;
        long followerAt = 1;
        long resets = 0;
        long followerResets = 0;
        try {
            for (int op = 0; op < ops; op++) {
                int pick = rnd.nextInt(100);
                if (pick < 40) {
                    int n = 1 + rnd.nextInt(12);
                    log.add("append " + n);
                    for (int i = 0; i < n; i++) {
                        Model m = randomEntry(rnd, firstLast[1] + 1, resets);
                        appendModel(journal, m);
                        model.add(m);
                        firstLast[1]++;
                    }
                } else if (pick < 55) {
                    long from = firstLast[0] + (long) rnd.nextInt((int) (firstLast[1] - firstLast[0] + 2));
                    log.add("read from " + from);
                    readAndCompare(journal, from, model, firstLast);
                } else if (pick < 65) {
                    if (follower == null) {
                        follower = journal.read(firstLast[0]);
                        followerAt = firstLast[0];
                        followerResets = resets;
                    }
                    int n = 1 + rnd.nextInt(20);
                    log.add("follow " + n + " from " + followerAt);
                    Journal.Cursor f = follower;
                    if (followerResets != resets || followerAt < firstLast[0]) {
                        assertThrows(IOException.class, () -> f.next(Entries.ALLOC), "follower at " + followerAt);
                        follower.close();
                        follower = null;
                    } else {
                        for (int i = 0; i < n && followerAt <= firstLast[1]; i++, followerAt++) {
                            compare(model.get((int) (followerAt - firstLast[0])), follower.next(Entries.ALLOC));
                        }
                        if (followerAt > firstLast[1]) {
                            assertNull(follower.next(Entries.ALLOC));
                        }
                    }
                } else if (pick < 78) {
                    long keepFrom = firstLast[0] - 3 + rnd.nextInt((int) (firstLast[1] - firstLast[0] + 8));
                    log.add("trim " + keepFrom);
                    long dropped = journal.trim(keepFrom);
                    long droppable = Math.max(0, Math.min(keepFrom, firstLast[1] + 1) - firstLast[0]);
                    assertTrue(dropped >= 0 && dropped <= droppable, "dropped " + dropped + " (expected: 0.." + droppable + ")");
                    if (maxEntries >= 0) {
                        assertEquals(Math.max(0, Math.min(model.size() - maxEntries, droppable)), dropped, "memory trim");
                    } else {
                        chronicleTrimmed += dropped;
                        if (dropped > 0) {
                            assertTrue(dropped < model.size(), "the newest file stays");
                        }
                    }
                    model.subList(0, (int) dropped).clear();
                    firstLast[0] += dropped;
                } else if (pick < 81) {
                    long next = 1 + rnd.nextInt((int) firstLast[1] + 50);
                    log.add("reset " + next);
                    journal.reset(next);
                    model.clear();
                    firstLast[0] = next;
                    firstLast[1] = next - 1;
                    resets++;
                } else if (pick < 86) {
                    log.add("sync");
                    journal.sync();
                } else if (pick < 94) {
                    int minutes = 1 + rnd.nextInt(7);
                    log.add("clock +" + minutes + "min");
                    clock.advance(Duration.ofMinutes(minutes));
                } else if (pick < 97 && durable) {
                    log.add("reopen");
                    if (follower != null) {
                        follower.close();
                        follower = null;
                    }
                    journal.close();
                    journal = opener.open(true);
                } else {
                    long wrong = rnd.nextBoolean() ? firstLast[1] + 2 + rnd.nextInt(3) : firstLast[1] - rnd.nextInt(3);
                    log.add("append out of order " + wrong);
                    Model m = randomEntry(rnd, wrong, resets);
                    Journal j = journal;
                    assertThrows(IllegalArgumentException.class, () -> appendModel(j, m));
                }
                assertEquals(firstLast[0], journal.firstSeq(), "firstSeq");
                assertEquals(firstLast[1], journal.lastSeq(), "lastSeq");
                assertTrue(journal.sizeBytes() >= 0);
            }
            readAndCompare(journal, firstLast[0], model, firstLast);
        } catch (AssertionError | IOException | RuntimeException e) {
            fail("seed " + seed + " failed after: " + String.join(", ", log), e);
        } finally {
            if (follower != null) {
                follower.close();
            }
            journal.close();
        }
    }

    private static Model randomEntry(Random rnd, long seq, long salt) {
        int kind = rnd.nextInt(10);
        byte type = kind < 7 ? Journal.WRITE : kind < 9 ? Journal.TRIM : Journal.ZEROES;
        long length = type == Journal.WRITE ? (rnd.nextInt(20) == 0 ? 65536 : rnd.nextInt(6000)) : rnd.nextInt(1 << 20);
        return new Model(seq, type, rnd.nextInt(4), 512L * rnd.nextInt(1 << 20), length, seq * 1_000_003 + salt * 7919 + rnd.nextInt(100));
    }

    private static void appendModel(Journal journal, Model m) throws IOException {
        ByteBuf data = m.type() == Journal.WRITE ? Entries.data(m.key(), (int) m.length()) : null;
        try {
            journal.append(m.seq(), m.type(), m.flags(), m.offset(), m.length(), data);
        } finally {
            if (data != null) {
                data.release();
            }
        }
    }

    private static void readAndCompare(Journal journal, long from, List<Model> model, long[] firstLast) throws IOException {
        try (Journal.Cursor c = journal.read(from)) {
            for (long seq = from; seq <= firstLast[1]; seq++) {
                compare(model.get((int) (seq - firstLast[0])), c.next(Entries.ALLOC));
            }
            assertNull(c.next(Entries.ALLOC), "an entry after the last seq " + firstLast[1]);
        }
    }

    private static void compare(Model m, Journal.Entry e) {
        assertTrue(e != null, "entry seq " + m.seq() + " missing");
        try {
            assertEquals(new Model(m.seq(), m.type(), m.flags(), m.offset(), m.length(), m.key()),
                    new Model(e.seq(), e.type(), e.flags(), e.offset(), e.length(), m.key()));
            if (m.type() == Journal.WRITE) {
                ByteBuf expected = Entries.data(m.key(), (int) m.length());
                try {
                    assertTrue(ByteBufUtil.equals(expected, e.data()), "data of seq " + m.seq());
                } finally {
                    expected.release();
                }
            } else {
                assertNull(e.data());
            }
        } finally {
            if (e.data() != null) {
                e.data().release();
            }
        }
    }
}
