package io.replicator.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ResyncThrottleTest {
    private static final long MS = 1_000_000L;
    private static final long MIB = 1L << 20;

    @Test
    void fullSpeedWhileTheApplicationIsIdleMinimumWhileItWrites() {
        ResyncThrottle t = new ResyncThrottle(10 * MIB, 0);
        assertEquals(0, t.rate(0, 5, false), "first look: no change seen yet, unbounded");
        assertEquals(0, t.rate(50 * MS, 5, false), "no application write: unbounded (the link's window bounds it)");
        assertEquals(10 * MIB, t.rate(60 * MS, 6, false), "a write: the minimum");
        assertEquals(10 * MIB, t.rate(150 * MS, 6, false), "still within the busy window");
        assertEquals(0, t.rate(161 * MS, 6, false), "quiet for longer than the busy window: unbounded again");
    }

    @Test
    void theMaximumBoundsBothAndTheMinimumNeverExceedsIt() {
        ResyncThrottle t = new ResyncThrottle(10 * MIB, 4 * MIB);
        assertEquals(4 * MIB, t.rate(0, 1, false));
        assertEquals(4 * MIB, t.rate(10 * MS, 2, false), "busy: the minimum, capped by the maximum");
        ResyncThrottle u = new ResyncThrottle(2 * MIB, 50 * MIB);
        u.rate(0, 1, false);
        assertEquals(2 * MIB, u.rate(10 * MS, 2, false));
        assertEquals(50 * MIB, u.rate(500 * MS, 2, false));
    }

    @Test
    void aJournalCatchUpNeverYields() {
        ResyncThrottle t = new ResyncThrottle(10 * MIB, 0);
        t.rate(0, 1, true);
        assertEquals(0, t.rate(10 * MS, 2, true), "busy, but a catch-up must outpace the writes it replays");
        assertEquals(10 * MIB, t.rate(20 * MS, 3, false), "the same writes slow a resync");
    }

    @Test
    void aZeroMinimumNeverYields() {
        ResyncThrottle t = new ResyncThrottle(0, 0);
        t.rate(0, 1, false);
        assertEquals(0, t.rate(10 * MS, 2, false));
    }
}
