package io.replicator.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The completions a replicated request parks in the ack tracker ({@link AckTracker#whenDone}): each runs
 * exactly once, never before its message reached its level, and as soon as it has (or the connection
 * closed).
 */
class AckTrackerTest {

    private static final long MAX_BYTES = 1L << 30;

    /** One parked completion and how often it ran. */
    private static final class Parked {
        final long pos;
        final int level;
        int runs;

        Parked(long pos, int level) {
            this.pos = pos;
            this.level = level;
        }
    }

    private static Parked park(AckTracker acks, long pos, int level, List<Parked> all) {
        Parked p = new Parked(pos, level);
        all.add(p);
        acks.whenDone(pos, level, () -> p.runs++);
        return p;
    }

    private static void send(AckTracker acks, int messages) {
        for (int i = 0; i < messages; i++) {
            long pos = acks.sentPos() + 1;
            acks.sent(pos, pos, 4096);
        }
    }

    @Test
    void aReachedLevelRunsAtOnceAndProtocolANeverWaits() {
        AckTracker acks = new AckTracker(MAX_BYTES, 1);
        List<Parked> all = new ArrayList<>();
        send(acks, 3);
        Parked none = park(acks, 3, AckTracker.NONE, all);
        acks.advance(2, 2, 1);
        Parked written = park(acks, 2, AckTracker.WRITTEN, all);
        Parked synced = park(acks, 2, AckTracker.SYNCED, all);
        assertEquals(1, none.runs);
        assertEquals(1, written.runs);
        assertEquals(0, synced.runs);
    }

    @Test
    void eachLevelCompletesInPositionOrderAndOnlyAtItsLevel() {
        AckTracker acks = new AckTracker(MAX_BYTES, 1);
        List<Parked> all = new ArrayList<>();
        send(acks, 5);
        Parked w5 = park(acks, 5, AckTracker.WRITTEN, all);
        Parked w2 = park(acks, 2, AckTracker.WRITTEN, all); // parked later, nearer: runs first
        Parked s3 = park(acks, 3, AckTracker.SYNCED, all);
        acks.advance(5, 0, 0);
        assertEquals(List.of(0, 0, 0), List.of(w5.runs, w2.runs, s3.runs), "a received ack completes no write");
        acks.advance(5, 3, 0);
        assertEquals(List.of(0, 1, 0), List.of(w5.runs, w2.runs, s3.runs));
        acks.advance(5, 5, 3);
        assertEquals(List.of(1, 1, 1), List.of(w5.runs, w2.runs, s3.runs));
        acks.advance(5, 5, 5);
        assertEquals(List.of(1, 1, 1), List.of(w5.runs, w2.runs, s3.runs), "never twice");
    }

    @Test
    void aClosedConnectionCompletesEveryWaiterAndEveryLaterOne() {
        AckTracker acks = new AckTracker(MAX_BYTES, 10);
        List<Parked> all = new ArrayList<>();
        send(acks, 4);
        Parked a = park(acks, 12, AckTracker.RECEIVED, all);
        Parked b = park(acks, 13, AckTracker.SYNCED, all);
        acks.close();
        Parked c = park(acks, 13, AckTracker.WRITTEN, all);
        assertEquals(List.of(1, 1, 1), List.of(a.runs, b.runs, c.runs));
    }

    /**
     * Random histories of sends, acks (cumulative, possibly stale or ahead of what was sent), parked
     * completions and a close, against a model: after every step a completion has run once if its level
     * was reached (or the connection closed), and not at all otherwise.
     */
    @Test
    void completionsFollowTheAcknowledgementsInAnyHistory() {
        qt().withExamples(200).forAll(lists().of(integers().between(0, Integer.MAX_VALUE)).ofSizeBetween(1, 120))
                .checkAssert(ops -> {
                    AckTracker acks = new AckTracker(MAX_BYTES, 1);
                    List<Parked> all = new ArrayList<>();
                    long received = 0;
                    long written = 0;
                    long synced = 0;
                    boolean closed = false;
                    for (int op : ops) {
                        int arg = op >>> 3;
                        switch (op & 7) {
                            case 0, 1 -> send(acks, 1 + arg % 4);
                            case 2, 3, 4 -> {
                                long sent = acks.sentPos();
                                if (sent > 0) {
                                    park(acks, 1 + arg % sent, 1 + (arg / 7) % 3, all);
                                }
                            }
                            case 5, 6 -> {
                                // cumulative and ordered (synced <= written <= received), maybe past what was sent
                                long r = arg % (acks.sentPos() + 3);
                                long w = r == 0 ? 0 : (arg / 5) % (r + 1);
                                long s = w == 0 ? 0 : (arg / 11) % (w + 1);
                                acks.advance(r, w, s);
                                long sent = acks.sentPos();
                                received = Math.max(received, Math.min(r, sent));
                                written = Math.max(written, Math.min(w, sent));
                                synced = Math.max(synced, Math.min(s, sent));
                            }
                            default -> {
                                if (arg % 8 == 0) {
                                    acks.close();
                                    closed = true;
                                }
                            }
                        }
                        for (Parked p : all) {
                            long reached = p.level == AckTracker.RECEIVED ? received : p.level == AckTracker.WRITTEN ? written : synced;
                            boolean due = closed || reached >= p.pos;
                            assertEquals(due ? 1 : 0, p.runs, "pos " + p.pos + " level " + p.level + " (received " + received
                                    + ", written " + written + ", synced " + synced + ", closed " + closed + ") after ops " + ops);
                        }
                    }
                    assertTrue(all.stream().allMatch(p -> p.runs <= 1));
                    assertFalse(all.stream().anyMatch(p -> p.runs < 0));
                });
    }
}
