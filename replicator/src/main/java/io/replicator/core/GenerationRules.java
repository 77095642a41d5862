package io.replicator.core;

import io.replicator.wire.Message.NodeInfo;
import java.util.List;

/**
 * DRBD's comparison of generation identifiers at connect ({@code drbd_uuid_compare}, 8.4 form), on the
 * identifiers alone: the current id, the bitmap id and the history of each side. The first rule that
 * matches decides; {@link ConnectDecision} then weighs roles, disk states and seqs.
 */
public final class GenerationRules {

    /** What the identifiers say, from this node's side. */
    public enum Strategy { NO_SYNC, SAME_GENERATION, SOURCE_BITMAP, SOURCE_FULL, TARGET_BITMAP, TARGET_FULL,
        SPLIT_BRAIN_AUTO, SPLIT_BRAIN_DISCONNECT, UNRELATED }

    /** The rules in the order they are tried, named as DRBD 9 logs them. */
    public enum Rule {
        /** Both disks were just created (zeroes, never written): nothing to sync. */
        JUST_CREATED_BOTH(Strategy.NO_SYNC),
        /** This node never wrote (or was just created) and the peer did: full sync to this node. */
        JUST_CREATED_SELF(Strategy.TARGET_FULL),
        JUST_CREATED_PEER(Strategy.SOURCE_FULL),
        /** The same current generation: the seqs decide (in sync, or a catch-up from the journal). */
        SAME_CURRENT(Strategy.SAME_GENERATION),
        /** This node's current id is the one the peer's bitmap tracks changes against: bitmap sync to this node. */
        BITMAP_PEER(Strategy.TARGET_BITMAP),
        /** This node's current id is in the peer's history, with no bitmap toward it: full sync to this node. */
        HISTORY_PEER(Strategy.TARGET_FULL),
        BITMAP_SELF(Strategy.SOURCE_BITMAP),
        HISTORY_SELF(Strategy.SOURCE_FULL),
        /** Both track changes against the same generation: both wrote since it (split brain, a policy may resolve it). */
        BITMAP_BOTH(Strategy.SPLIT_BRAIN_AUTO),
        /** A common ancestor further back: split brain that no policy resolves. */
        HISTORY_BOTH(Strategy.SPLIT_BRAIN_DISCONNECT),
        UNRELATED_DATA(Strategy.UNRELATED);

        private final Strategy strategy;

        Rule(Strategy strategy) {
            this.strategy = strategy;
        }

        public Strategy strategy() {
            return strategy;
        }
    }

    private GenerationRules() {
    }

    public static Rule compare(NodeInfo mine, NodeInfo peer) {
        long myCurrent = mine.currentUuid();
        long peerCurrent = peer.currentUuid();
        boolean myFresh = mine.justCreated() || myCurrent == 0;
        boolean peerFresh = peer.justCreated() || peerCurrent == 0;
        if (mine.justCreated() && peer.justCreated()) {
            return Rule.JUST_CREATED_BOTH;
        }
        if (myFresh && peerFresh) {
            // neither wrote, but a disk that was not made by us may hold anything
            return Rule.UNRELATED_DATA;
        }
        if (myFresh) {
            return Rule.JUST_CREATED_SELF;
        }
        if (peerFresh) {
            return Rule.JUST_CREATED_PEER;
        }
        if (myCurrent == peerCurrent) {
            return Rule.SAME_CURRENT;
        }
        if (myCurrent == peer.bitmapUuid()) {
            return Rule.BITMAP_PEER;
        }
        if (inHistory(myCurrent, peer.generations())) {
            return Rule.HISTORY_PEER;
        }
        if (mine.bitmapUuid() == peerCurrent) {
            return Rule.BITMAP_SELF;
        }
        if (inHistory(peerCurrent, mine.generations())) {
            return Rule.HISTORY_SELF;
        }
        if (mine.bitmapUuid() != 0 && mine.bitmapUuid() == peer.bitmapUuid()) {
            return Rule.BITMAP_BOTH;
        }
        for (int i = 1; i < mine.generations().size(); i++) {
            if (inHistory(mine.generations().get(i).uuid(), peer.generations())) {
                return Rule.HISTORY_BOTH;
            }
        }
        return Rule.UNRELATED_DATA;
    }

    /** {@code uuid} is one of the older generations (not the current one) of {@code generations}. */
    private static boolean inHistory(long uuid, List<Generation> generations) {
        for (int i = 1; i < generations.size(); i++) {
            if (generations.get(i).uuid() == uuid) {
                return true;
            }
        }
        return false;
    }
}
