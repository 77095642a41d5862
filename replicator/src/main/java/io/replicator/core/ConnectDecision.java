package io.replicator.core;

import io.replicator.wire.Message.NodeInfo;
import java.util.List;

/**
 * What two nodes do when they connect, decided from both sides' {@link NodeInfo} alone, so that both
 * reach the same verdict. In order:
 * <ol>
 *   <li>both Primary: refuse (at most one Primary);
 *   <li>the generation identifiers ({@link GenerationRules}, DRBD's rules) say both were just created:
 *       in sync;
 *   <li>neither disk usable: wait for an operator's {@code promote --force} on one;
 *   <li>unrelated data (no generation in common): refuse, whatever the disk states;
 *   <li>one disk unusable (Inconsistent, a sync cut short): the other is the source, with a full sync if
 *       the identifiers say full or split brain (DRBD's disk-state rule);
 *   <li>split brain, as the identifiers say;
 *   <li>a sync in the direction the identifiers give: full if they say so, or if the target holds writes
 *       past the branch point, the earliest start of the source's generations that the target lacks (a
 *       crashed Primary's writes that never reached the peer, or seqs the source used again after losing
 *       its journal's tail); otherwise the source picks journal, bitmap or full by what covers the gap;
 *   <li>the same current generation: in sync if the last seqs are equal, else the one further ahead is
 *       the source (a catch-up from its journal).
 * </ol>
 * A verdict that would make a Primary the SyncTarget is refused (demote it first), and so is one whose
 * source disk is not usable (Inconsistent, Diskless): whichever rule chose it, nothing is ever
 * synced from a disk that is not a copy (the simulation found a split-brain resolution that did).
 */
public final class ConnectDecision {

    public enum Verdict { IN_SYNC, SOURCE, TARGET, BOTH_INCONSISTENT, SPLIT_BRAIN, UNRELATED, REFUSED }

    /**
     * {@code forceFull}: only a full sync is safe (the target holds writes the source does not have, or no
     * bitmap covers the gap). {@code rule}: the generation rule that matched (null when the roles decided).
     */
    public record Outcome(Verdict verdict, boolean forceFull, GenerationRules.Rule rule, String reason, boolean discard) {
        Outcome(Verdict verdict, boolean forceFull, GenerationRules.Rule rule, String reason) {
            this(verdict, forceFull, rule, reason, false);
        }

        static Outcome of(Verdict v, GenerationRules.Rule rule, String reason) {
            return new Outcome(v, false, rule, reason);
        }
    }

    private ConnectDecision() {
    }

    /**
     * The verdict, with a split brain (or unrelated data) resolved when one side connected with
     * {@code --discard-my-data}, or, for a split brain with a common parent, when {@code policy} picks a
     * victim. The victim becomes the target of a full sync; {@code discard} tells it to save its
     * divergent blocks first.
     */
    public static Outcome decide(NodeInfo mine, NodeInfo peer, SplitBrainPolicy policy, String myName, String peerName) {
        Outcome o = suspect(resolve(direction(mine, peer), mine, peer, policy, myName, peerName), mine, peer, myName, peerName);
        boolean iAmTarget = o.verdict() == Verdict.TARGET;
        boolean peerIsTarget = o.verdict() == Verdict.SOURCE;
        if ((iAmTarget && mine.role() == Role.Primary) || (peerIsTarget && peer.role() == Role.Primary)) {
            return Outcome.of(o.discard() ? Verdict.SPLIT_BRAIN : Verdict.REFUSED, o.rule(), "the Primary has older data than its peer and would become SyncTarget ("
                    + o.reason() + "): demote it first");
        }
        NodeInfo source = iAmTarget ? peer : mine;
        if ((iAmTarget || peerIsTarget) && !source.disk().isUsable()) {
            // whichever rule chose it: the target's data would be replaced by no usable copy at all
            return Outcome.of(Verdict.REFUSED, o.rule(), o.reason() + "; refused: the disk of " + (iAmTarget ? peerName : myName)
                    + " is " + source.disk() + ", not a copy to sync from");
        }
        return o;
    }

    /**
     * A suspect disk (it lost its page cache under a running daemon) may differ from the peer's in blocks no
     * journal knows of: whatever the identifiers say, the pair is made identical by a checksum sync, never
     * declared in sync nor caught up from the journal. The sync covers the extents the suspect side's
     * activity log held hot, or the whole disk ({@code forceFull}) when a suspect side has no activity log.
     * With no direction given, the Primary is the source, else a disk that is not suspect, else the node
     * further ahead, else the one whose name sorts first.
     */
    private static Outcome suspect(Outcome o, NodeInfo mine, NodeInfo peer, String myName, String peerName) {
        if (!mine.suspect() && !peer.suspect()) {
            return o;
        }
        boolean full = (mine.suspect() && mine.suspectExtents() == null) || (peer.suspect() && peer.suspectExtents() == null);
        String why = "; " + (mine.suspect() ? myName : peerName) + " lost its page cache under a running daemon: "
                + (full ? "full sync" : "checksum sync of its activity log's extents");
        switch (o.verdict()) {
            case SOURCE, TARGET -> {
                return new Outcome(o.verdict(), o.forceFull() || full, o.rule(), o.reason() + why, o.discard());
            }
            case IN_SYNC -> {
                boolean iAmSource;
                if (mine.role() != peer.role()) {
                    iAmSource = mine.role() == Role.Primary;
                } else if (mine.suspect() != peer.suspect()) {
                    iAmSource = !mine.suspect();
                } else if (mine.lastSeq() != peer.lastSeq()) {
                    iAmSource = mine.lastSeq() > peer.lastSeq();
                } else {
                    iAmSource = myName.compareTo(peerName) < 0;
                }
                return new Outcome(iAmSource ? Verdict.SOURCE : Verdict.TARGET, full, o.rule(), o.reason() + why, o.discard());
            }
            default -> {
                return o;
            }
        }
    }

    private static Outcome resolve(Outcome o, NodeInfo mine, NodeInfo peer, SplitBrainPolicy policy, String myName,
            String peerName) {
        if (o.verdict() != Verdict.SPLIT_BRAIN && o.verdict() != Verdict.UNRELATED) {
            return o;
        }
        if (mine.discardMyData() && peer.discardMyData()) {
            return Outcome.of(Verdict.REFUSED, o.rule(), "both nodes were told to discard their data (" + o.reason() + ")");
        }
        SplitBrainPolicy.Victim victim;
        String why;
        if (mine.discardMyData() || peer.discardMyData()) {
            victim = mine.discardMyData() ? SplitBrainPolicy.Victim.SELF : SplitBrainPolicy.Victim.PEER;
            why = "connect --discard-my-data on " + (mine.discardMyData() ? myName : peerName);
        } else if (o.rule() == GenerationRules.Rule.BITMAP_BOTH) {
            victim = policy.resolve(mine, peer, myName, peerName);
            why = "split-brain policy " + policy;
        } else {
            return o;
        }
        if (victim == SplitBrainPolicy.Victim.NONE) {
            return o;
        }
        boolean iAmVictim = victim == SplitBrainPolicy.Victim.SELF;
        return new Outcome(iAmVictim ? Verdict.TARGET : Verdict.SOURCE, true, o.rule(), o.reason() + "; resolved by " + why
                + ": the data of " + (iAmVictim ? myName : peerName) + " is discarded (its changed blocks saved first)", true);
    }

    private static Outcome direction(NodeInfo mine, NodeInfo peer) {
        GenerationRules.Rule rule = GenerationRules.compare(mine, peer);
        GenerationRules.Strategy s = rule.strategy();
        if (mine.role() == Role.Primary && peer.role() == Role.Primary) {
            boolean split = s == GenerationRules.Strategy.SPLIT_BRAIN_AUTO || s == GenerationRules.Strategy.SPLIT_BRAIN_DISCONNECT;
            return split ? Outcome.of(Verdict.SPLIT_BRAIN, rule, "both nodes are Primary and wrote since their last common "
                    + "generation (" + rule + ")") : Outcome.of(Verdict.REFUSED, rule, "both nodes are Primary");
        }
        if (rule == GenerationRules.Rule.JUST_CREATED_BOTH) {
            return Outcome.of(Verdict.IN_SYNC, rule, "both disks were just created");
        }
        boolean myUsable = mine.disk().isUsable();
        boolean peerUsable = peer.disk().isUsable();
        if (!myUsable && !peerUsable) {
            return Outcome.of(Verdict.BOTH_INCONSISTENT, rule, "neither disk is consistent: promote one with --force");
        }
        if (s == GenerationRules.Strategy.UNRELATED) {
            return Outcome.of(Verdict.UNRELATED, rule, "no generation in common: the two disks hold unrelated data");
        }
        if (!myUsable || !peerUsable) {
            boolean full = s != GenerationRules.Strategy.SAME_GENERATION && s != GenerationRules.Strategy.SOURCE_BITMAP
                    && s != GenerationRules.Strategy.TARGET_BITMAP;
            return flip(new Outcome(Verdict.SOURCE, full, rule, "the peer's disk is " + (peerUsable ? mine : peer).disk()
                    + " (" + rule + ")"), !myUsable);
        }
        switch (s) {
            case SPLIT_BRAIN_AUTO, SPLIT_BRAIN_DISCONNECT -> {
                return Outcome.of(Verdict.SPLIT_BRAIN, rule, "both nodes wrote as Primary since their last common generation ("
                        + rule + ")");
            }
            case SOURCE_BITMAP, SOURCE_FULL, TARGET_BITMAP, TARGET_FULL -> {
                boolean iAmSource = s == GenerationRules.Strategy.SOURCE_BITMAP || s == GenerationRules.Strategy.SOURCE_FULL;
                boolean full = s == GenerationRules.Strategy.SOURCE_FULL || s == GenerationRules.Strategy.TARGET_FULL;
                NodeInfo source = iAmSource ? mine : peer;
                NodeInfo target = iAmSource ? peer : mine;
                long branch = branchPoint(source.generations(), target.generations());
                boolean extra = !full && target.lastSeq() >= branch;
                String reason = full ? rule + ": full sync"
                        : extra ? rule + ": the target holds writes past the branch point (seq " + branch + "): full sync"
                        : rule + ": the source started a new generation at seq " + branch;
                return flip(new Outcome(Verdict.SOURCE, full || extra, rule, reason), !iAmSource);
            }
            default -> {
            }
        }
        if (mine.lastSeq() == peer.lastSeq()) {
            return Outcome.of(Verdict.IN_SYNC, rule, "same generation and seq " + mine.lastSeq());
        }
        return flip(Outcome.of(Verdict.SOURCE, rule, "same generation, seq " + Math.max(mine.lastSeq(), peer.lastSeq())
                + " against " + Math.min(mine.lastSeq(), peer.lastSeq())), mine.lastSeq() < peer.lastSeq());
    }

    /**
     * The earliest start of the source's generations newer than the newest one the target has: after a
     * power loss shortened its journal, a newer generation can start at a lower seq than an older one (the
     * seqs were used again). MAX_VALUE when the target has the source's current generation.
     */
    private static long branchPoint(List<Generation> source, List<Generation> target) {
        long branch = Long.MAX_VALUE;
        for (Generation g : source) {
            for (Generation t : target) {
                if (t.uuid() == g.uuid()) {
                    return branch;
                }
            }
            branch = Math.min(branch, g.firstSeq());
        }
        return branch;
    }

    private static Outcome flip(Outcome sourceOutcome, boolean iAmTarget) {
        return iAmTarget ? new Outcome(Verdict.TARGET, sourceOutcome.forceFull(), sourceOutcome.rule(), sourceOutcome.reason())
                : sourceOutcome;
    }
}
