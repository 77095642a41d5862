package io.replicator.core;

import static io.replicator.core.ConnectDecision.Verdict.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.replicator.core.ConnectDecision.Verdict;
import io.replicator.wire.Message.NodeInfo;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** One row per rule of {@link ConnectDecision}, each checked from both sides (the verdicts must mirror). */
class ConnectDecisionTest {
    private static final Generation G1 = new Generation(0x1111, 1);
    private static final Generation G2 = new Generation(0x2222, 101);
    private static final Generation G3 = new Generation(0x3333, 101);
    private static final Generation OTHER = new Generation(0x9999, 1);
    /** Started after G2 but at a lower seq: a power loss shortened the journal before it began. */
    private static final Generation G4 = new Generation(0x4444, 95);

    private static NodeInfo node(Role role, DiskState disk, long lastSeq, Generation... gens) {
        return new NodeInfo(role, disk, lastSeq, false, List.of(gens), 0, false, 0, false, false, null);
    }

    /** A node that wrote without its peer since {@code bitmap}: its bitmap tracks what the peer lacks against it. */
    private static NodeInfo tracking(Role role, DiskState disk, long lastSeq, Generation bitmap, Generation... gens) {
        return new NodeInfo(role, disk, lastSeq, false, List.of(gens), bitmap.uuid(), role == Role.Primary, 4096, false, false, null);
    }

    private static NodeInfo fresh(Role role) {
        return new NodeInfo(role, DiskState.Consistent, 0, true, List.of(), 0, false, 0, false, false, null);
    }

    static Stream<Arguments> rules() {
        Role P = Role.Primary;
        Role S = Role.Secondary;
        DiskState U = DiskState.UpToDate;
        DiskState I = DiskState.Inconsistent;
        return Stream.of(
                Arguments.of("both Primary", node(P, U, 5, G1), node(P, U, 5, G1), REFUSED, false),
                Arguments.of("both just created", fresh(S), fresh(S), IN_SYNC, false),
                Arguments.of("both just created, one already Primary", fresh(P), fresh(S), IN_SYNC, false),
                Arguments.of("neither disk usable", node(S, I, 0), node(S, I, 0), BOTH_INCONSISTENT, false),
                Arguments.of("my disk Inconsistent", node(S, I, 50, G1), node(S, U, 100, G1), TARGET, false),
                Arguments.of("the peer's disk Inconsistent", node(S, U, 100, G1), node(S, I, 50, G1), SOURCE, false),
                Arguments.of("the Primary would become SyncTarget", node(P, I, 50, G1), node(S, U, 100, G1), REFUSED, false),
                Arguments.of("the peer just created, I have data", node(S, U, 10, G1), fresh(S), SOURCE, true),
                Arguments.of("I never wrote, no common generation", node(S, U, 0), node(S, U, 10, G1), TARGET, true),
                Arguments.of("neither wrote, neither just created", node(S, U, 0), node(S, U, 0), UNRELATED, false),
                Arguments.of("my disk Inconsistent, the peer's generation unknown to me",
                        node(S, I, 50, OTHER), node(S, U, 100, G1), UNRELATED, false),
                Arguments.of("my disk Inconsistent, the peer is ahead of my history", node(S, I, 50, G1),
                        node(S, U, 150, G2, G1), TARGET, true),
                Arguments.of("my disk Inconsistent, the peer tracks my generation", node(S, I, 50, G1),
                        tracking(S, U, 150, G1, G2, G1), TARGET, false),
                Arguments.of("unrelated data", node(S, U, 10, G1), node(S, U, 10, OTHER), UNRELATED, false),
                Arguments.of("split brain, same bitmap generation", tracking(S, U, 150, G1, G2, G1), tracking(S, U, 130, G1, G3, G1),
                        SPLIT_BRAIN, false),
                Arguments.of("split brain, a common history only", node(S, U, 150, G2, G1), node(S, U, 130, G3, G1),
                        SPLIT_BRAIN, false),
                Arguments.of("I started a new generation, the peer is behind the branch",
                        tracking(P, U, 150, G1, G2, G1), node(S, U, 100, G1), SOURCE, false),
                Arguments.of("the peer's generation is in my history but no bitmap tracks it",
                        node(P, U, 150, G2, G1), node(S, U, 100, G1), SOURCE, true),
                Arguments.of("I started a new generation, the peer holds writes past the branch (crashed Primary)",
                        tracking(P, U, 150, G1, G2, G1), node(S, U, 120, G1), SOURCE, true),
                Arguments.of("the peer started a new generation and I crashed ahead of the branch",
                        node(S, U, 120, G1), tracking(P, U, 150, G1, G2, G1), TARGET, true),
                Arguments.of("the branch point is the earliest start of the source's new generations",
                        tracking(P, U, 150, G1, G4, G2, G1), node(S, U, 98, G1), SOURCE, true),
                Arguments.of("same generation, same seq", node(S, U, 100, G1), node(P, U, 100, G1), IN_SYNC, false),
                Arguments.of("same generation, I am ahead", node(P, U, 120, G1), node(S, U, 100, G1), SOURCE, false),
                Arguments.of("same generation, I am behind", node(S, U, 100, G1), node(S, U, 120, G1), TARGET, false),
                Arguments.of("same generation, the Primary is behind", node(P, U, 100, G1), node(S, U, 120, G1), REFUSED, false));
    }

    private static NodeInfo discarding(NodeInfo n) {
        return new NodeInfo(n.role(), n.disk(), n.lastSeq(), n.justCreated(), n.generations(), n.bitmapUuid(),
                n.bitmapFromPrimary(), n.changedBytes(), true, false, null);
    }

    /** How a split brain (or unrelated data) is resolved: by the operator's flag or an opted-in policy. */
    static Stream<Arguments> resolutions() {
        Role P = Role.Primary;
        Role S = Role.Secondary;
        DiskState U = DiskState.UpToDate;
        NodeInfo a = tracking(S, U, 150, G1, G2, G1);
        NodeInfo b = tracking(S, U, 130, G1, G3, G1);
        SplitBrainPolicy least = new SplitBrainPolicy(SplitBrainPolicy.ZeroPrimaries.discard_least_changes,
                SplitBrainPolicy.OnePrimary.disconnect, SplitBrainPolicy.TwoPrimaries.disconnect);
        return Stream.of(
                Arguments.of("no policy: both stay StandAlone", a, b, SplitBrainPolicy.DISCONNECT, SPLIT_BRAIN, false),
                Arguments.of("discard-my-data on this node", discarding(a), b, SplitBrainPolicy.DISCONNECT, TARGET, true),
                Arguments.of("discard-my-data on the peer", a, discarding(b), SplitBrainPolicy.DISCONNECT, SOURCE, true),
                Arguments.of("discard-my-data on both", discarding(a), discarding(b), SplitBrainPolicy.DISCONNECT, REFUSED, false),
                Arguments.of("discard-my-data on a Primary", discarding(tracking(P, U, 150, G1, G2, G1)), b,
                        SplitBrainPolicy.DISCONNECT, SPLIT_BRAIN, false),
                Arguments.of("discard-my-data resolves unrelated data", discarding(node(S, U, 10, G1)), node(S, U, 10, OTHER),
                        SplitBrainPolicy.DISCONNECT, TARGET, true),
                Arguments.of("discard-my-data never syncs from an Inconsistent disk", discarding(node(S, U, 10, G1)),
                        node(S, DiskState.Inconsistent, 10, OTHER), SplitBrainPolicy.DISCONNECT, REFUSED, false),
                Arguments.of("a policy picks the peer (a tie: the name)", a, b, least, SOURCE, true),
                Arguments.of("a policy does not touch a split brain without a common bitmap generation",
                        node(S, U, 150, G2, G1), node(S, U, 130, G3, G1), least, SPLIT_BRAIN, false),
                Arguments.of("both Primary: split brain, never resolved", tracking(P, U, 150, G1, G2, G1),
                        tracking(P, U, 130, G1, G3, G1), least, SPLIT_BRAIN, false));
    }

    /** Suspect without an activity log: anywhere on the disk. */
    private static NodeInfo suspect(NodeInfo n) {
        return suspect(n, null);
    }

    /** Suspect, with the extents its activity log held hot. */
    private static NodeInfo suspect(NodeInfo n, List<Long> extents) {
        return new NodeInfo(n.role(), n.disk(), n.lastSeq(), n.justCreated(), n.generations(), n.bitmapUuid(),
                n.bitmapFromPrimary(), n.changedBytes(), n.discardMyData(), true, extents);
    }

    /**
     * A disk that lost its page cache under a running daemon is never called in sync nor caught up from the
     * journal: a checksum sync of its activity log's extents, or a full one when a suspect side has no log.
     */
    static Stream<Arguments> suspects() {
        Role P = Role.Primary;
        Role S = Role.Secondary;
        DiskState U = DiskState.UpToDate;
        List<Long> hot = List.of(3L, 8L);
        return Stream.of(
                Arguments.of("in sync, I am suspect: the peer is the source", suspect(node(S, U, 100, G1)), node(S, U, 100, G1), TARGET, true),
                Arguments.of("in sync, both suspect, the Primary is the source", suspect(node(P, U, 100, G1)),
                        suspect(node(S, U, 100, G1)), SOURCE, true),
                Arguments.of("in sync, both suspect, the name decides", suspect(node(S, U, 100, G1)), suspect(node(S, U, 100, G1)),
                        SOURCE, true),
                Arguments.of("a journal catch-up becomes a full sync", suspect(node(P, U, 120, G1)), node(S, U, 100, G1), SOURCE, true),
                Arguments.of("in sync, I am suspect with an activity log: its extents", suspect(node(S, U, 100, G1), hot),
                        node(S, U, 100, G1), TARGET, false),
                Arguments.of("a catch-up from a suspect source with a log: its extents", suspect(node(P, U, 120, G1), hot),
                        node(S, U, 100, G1), SOURCE, false),
                Arguments.of("both suspect, both with logs: their extents", suspect(node(S, U, 100, G1), hot),
                        suspect(node(S, U, 90, G1), List.of()), SOURCE, false),
                Arguments.of("both suspect, one without a log: full", suspect(node(S, U, 100, G1), hot),
                        suspect(node(S, U, 90, G1)), SOURCE, true),
                Arguments.of("both just created, the one not suspect is Inconsistent: no source, refused",
                        new NodeInfo(S, DiskState.Inconsistent, 0, true, List.of(), 0, false, 0, false, false, null),
                        suspect(fresh(S)), REFUSED, false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("suspects")
    void aSuspectDiskIsNeverInSync(String name, NodeInfo mine, NodeInfo peer, Verdict expected, boolean full) {
        ConnectDecision.Outcome outcome = ConnectDecision.decide(mine, peer, SplitBrainPolicy.DISCONNECT, "alpha", "beta");
        assertEquals(expected, outcome.verdict(), outcome.reason());
        assertEquals(full, outcome.forceFull(), outcome.reason());
        ConnectDecision.Outcome mirrored = ConnectDecision.decide(peer, mine, SplitBrainPolicy.DISCONNECT, "beta", "alpha");
        assertEquals(full, mirrored.forceFull(), "seen from the peer: " + mirrored.reason());
        assertEquals(mirror(expected), mirrored.verdict(), "seen from the peer: " + mirrored.reason());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("resolutions")
    void resolves(String name, NodeInfo mine, NodeInfo peer, SplitBrainPolicy policy, Verdict expected, boolean discard) {
        ConnectDecision.Outcome outcome = ConnectDecision.decide(mine, peer, policy, "alpha", "beta");
        assertEquals(expected, outcome.verdict(), outcome.reason());
        assertEquals(discard, outcome.discard(), outcome.reason());
        assertEquals(discard, outcome.forceFull(), "a resolved split brain is a full sync: " + outcome.reason());
        ConnectDecision.Outcome mirrored = ConnectDecision.decide(peer, mine, policy, "beta", "alpha");
        assertEquals(mirror(expected), mirrored.verdict(), "seen from the peer: " + mirrored.reason());
        assertEquals(discard, mirrored.discard(), mirrored.reason());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rules")
    void decides(String rule, NodeInfo mine, NodeInfo peer, Verdict expected, boolean forceFull) {
        ConnectDecision.Outcome outcome = ConnectDecision.decide(mine, peer, SplitBrainPolicy.DISCONNECT, "alpha", "beta");
        assertEquals(expected, outcome.verdict(), outcome.reason());
        assertEquals(forceFull, outcome.forceFull(), outcome.reason());
        ConnectDecision.Outcome mirrored = ConnectDecision.decide(peer, mine, SplitBrainPolicy.DISCONNECT, "beta", "alpha");
        assertEquals(mirror(expected), mirrored.verdict(), "seen from the peer: " + mirrored.reason());
        assertEquals(forceFull, mirrored.forceFull(), mirrored.reason());
    }

    private static Verdict mirror(Verdict v) {
        return v == SOURCE ? TARGET : v == TARGET ? SOURCE : v;
    }
}
