package io.replicator.core;

import static io.replicator.core.GenerationRules.Rule.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.replicator.core.GenerationRules.Rule;
import io.replicator.wire.Message.NodeInfo;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One row per rule of {@link GenerationRules} (DRBD's {@code drbd_uuid_compare}), written as the ids
 * look after the history that leads there; each row is checked from both sides (SELF and PEER swap).
 */
class GenerationRulesTest {
    private static final long A = 0xA;
    private static final long B = 0xB;
    private static final long C = 0xC;
    private static final long D = 0xD;
    private static final long X = 0xE;
    private static final Set<Rule> SEEN = EnumSet.noneOf(Rule.class);

    /** {@code ids}: current first, then the history, newest first. */
    private static NodeInfo ids(long bitmap, long... ids) {
        List<Generation> gens = new ArrayList<>();
        for (long id : ids) {
            gens.add(new Generation(id, 1));
        }
        return new NodeInfo(Role.Secondary, DiskState.UpToDate, 10, false, gens, bitmap, false, 0, false, false, null);
    }

    private static NodeInfo justCreated() {
        return new NodeInfo(Role.Secondary, DiskState.Consistent, 0, true, List.of(), 0, false, 0, false, false, null);
    }

    static Stream<Arguments> rules() {
        return Stream.of(
                Arguments.of("a new pair", justCreated(), justCreated(), JUST_CREATED_BOTH),
                Arguments.of("a new disk meets one with data", justCreated(), ids(0, A), JUST_CREATED_SELF),
                Arguments.of("a disk that never wrote (not ours) meets one with data", ids(0), ids(0, A), JUST_CREATED_SELF),
                Arguments.of("two disks that never wrote, not made by us", ids(0), ids(0), UNRELATED_DATA),
                Arguments.of("connected all along, or a catch-up cut short", ids(0, B, A), ids(A, B, A), SAME_CURRENT),
                Arguments.of("the peer wrote without me since my generation", ids(0, A), ids(A, B, A), BITMAP_PEER),
                Arguments.of("the peer moved on twice, and tracks me no more", ids(0, A), ids(0, C, B, A), HISTORY_PEER),
                Arguments.of("a split after a common generation: both wrote", ids(A, B, A), ids(A, C, A), BITMAP_BOTH),
                Arguments.of("a split further back", ids(0, B, A), ids(D, C, D, A), HISTORY_BOTH),
                Arguments.of("nothing in common", ids(0, B, A), ids(0, X), UNRELATED_DATA));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rules")
    void decides(String history, NodeInfo mine, NodeInfo peer, Rule expected) {
        assertEquals(expected, GenerationRules.compare(mine, peer));
        assertEquals(mirror(expected), GenerationRules.compare(peer, mine), "seen from the peer");
        SEEN.add(expected);
        SEEN.add(mirror(expected));
    }

    @AfterAll
    static void everyRuleHasARow() {
        assertEquals(EnumSet.allOf(Rule.class), SEEN, "rules without a row");
    }

    private static Rule mirror(Rule r) {
        return switch (r) {
            case JUST_CREATED_SELF -> JUST_CREATED_PEER;
            case JUST_CREATED_PEER -> JUST_CREATED_SELF;
            case BITMAP_PEER -> BITMAP_SELF;
            case BITMAP_SELF -> BITMAP_PEER;
            case HISTORY_PEER -> HISTORY_SELF;
            case HISTORY_SELF -> HISTORY_PEER;
            default -> r;
        };
    }
}
