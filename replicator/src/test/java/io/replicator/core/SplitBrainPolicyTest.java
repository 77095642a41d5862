package io.replicator.core;

import static io.replicator.core.SplitBrainPolicy.Victim.NONE;
import static io.replicator.core.SplitBrainPolicy.Victim.PEER;
import static io.replicator.core.SplitBrainPolicy.Victim.SELF;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.replicator.core.SplitBrainPolicy.OnePrimary;
import io.replicator.core.SplitBrainPolicy.TwoPrimaries;
import io.replicator.core.SplitBrainPolicy.Victim;
import io.replicator.core.SplitBrainPolicy.ZeroPrimaries;
import io.replicator.wire.Message.NodeInfo;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** One row per policy and outcome, each checked from both sides (the victims must mirror). */
class SplitBrainPolicyTest {

    /** A node after a split: {@code olderPrimary} = it was Primary when the peer went away. */
    private static NodeInfo node(Role role, boolean olderPrimary, long changedBytes) {
        return new NodeInfo(role, DiskState.UpToDate, 10, false, List.of(new Generation(2, 5), new Generation(1, 1)), 1,
                olderPrimary, changedBytes, false, false, null);
    }

    private static SplitBrainPolicy zero(ZeroPrimaries p) {
        return new SplitBrainPolicy(p, OnePrimary.disconnect, TwoPrimaries.disconnect);
    }

    private static SplitBrainPolicy one(ZeroPrimaries z, OnePrimary p) {
        return new SplitBrainPolicy(z, p, TwoPrimaries.disconnect);
    }

    static Stream<Arguments> policies() {
        Role S = Role.Secondary;
        Role P = Role.Primary;
        return Stream.of(
                Arguments.of("0pri disconnect", zero(ZeroPrimaries.disconnect), node(S, true, 0), node(S, false, 9), NONE),
                Arguments.of("0pri discard-zero-changes: mine are zero", zero(ZeroPrimaries.discard_zero_changes),
                        node(S, true, 0), node(S, false, 9), SELF),
                Arguments.of("0pri discard-zero-changes: both changed", zero(ZeroPrimaries.discard_zero_changes),
                        node(S, true, 4), node(S, false, 9), NONE),
                Arguments.of("0pri discard-zero-changes: both zero, the name decides", zero(ZeroPrimaries.discard_zero_changes),
                        node(S, true, 0), node(S, false, 0), PEER),
                Arguments.of("0pri discard-least-changes", zero(ZeroPrimaries.discard_least_changes),
                        node(S, false, 4), node(S, false, 9), SELF),
                Arguments.of("0pri discard-least-changes: a tie, the name decides", zero(ZeroPrimaries.discard_least_changes),
                        node(S, false, 9), node(S, false, 9), PEER),
                Arguments.of("0pri discard-younger-primary", zero(ZeroPrimaries.discard_younger_primary),
                        node(S, true, 4), node(S, false, 9), PEER),
                Arguments.of("0pri discard-older-primary", zero(ZeroPrimaries.discard_older_primary),
                        node(S, true, 4), node(S, false, 9), SELF),
                Arguments.of("0pri discard-younger-primary: same age, least changes decide",
                        zero(ZeroPrimaries.discard_younger_primary), node(S, false, 4), node(S, false, 9), SELF),
                Arguments.of("1pri disconnect", one(ZeroPrimaries.discard_least_changes, OnePrimary.disconnect),
                        node(P, true, 9), node(S, false, 4), NONE),
                Arguments.of("1pri discard-secondary", one(ZeroPrimaries.disconnect, OnePrimary.discard_secondary),
                        node(P, true, 4), node(S, false, 9), PEER),
                Arguments.of("1pri consensus: 0pri discards the Secondary", one(ZeroPrimaries.discard_least_changes,
                        OnePrimary.consensus), node(P, true, 9), node(S, false, 4), PEER),
                Arguments.of("1pri consensus: 0pri would discard the Primary", one(ZeroPrimaries.discard_least_changes,
                        OnePrimary.consensus), node(P, true, 4), node(S, false, 9), NONE),
                Arguments.of("2pri disconnect", new SplitBrainPolicy(ZeroPrimaries.discard_least_changes,
                        OnePrimary.discard_secondary, TwoPrimaries.disconnect), node(P, true, 4), node(P, false, 9), NONE));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("policies")
    void resolves(String name, SplitBrainPolicy policy, NodeInfo mine, NodeInfo peer, Victim expected) {
        assertEquals(expected, policy.resolve(mine, peer, "alpha", "beta"));
        assertEquals(expected == SELF ? PEER : expected == PEER ? SELF : NONE, policy.resolve(peer, mine, "beta", "alpha"),
                "seen from the peer");
    }
}
