package io.replicator.core;

import io.replicator.wire.Message.NodeInfo;
import java.util.List;

/**
 * What two nodes do when they connect, decided from both sides' {@link NodeInfo} alone, so that both
 * reach the same verdict. The rules, in order:
 * <ol>
 *   <li>both Primary: refuse (at most one Primary);
 *   <li>both just created (zero-filled by us, never written): in sync;
 *   <li>neither disk usable: wait for an operator's {@code promote --force} on one;
 *   <li>one disk unusable (Inconsistent): the other is the source;
 *   <li>no generation in common: if one side never wrote, it is the target, else unrelated data;
 *   <li>both started a generation after the newest common one: split brain;
 *   <li>one did: it is the source; the other is the target, with a full sync if it holds writes past
 *       the branch point, the earliest start of the source's new generations (a crashed Primary's
 *       writes that never reached the peer, or seqs the source used again after losing its journal's tail);
 *   <li>neither did: in sync if the last seqs are equal, else the one further ahead is the source.
 * </ol>
 * A verdict that would make a Primary the SyncTarget is refused (demote it first).
 */
public final class ConnectDecision {

    public enum Verdict { IN_SYNC, SOURCE, TARGET, BOTH_INCONSISTENT, SPLIT_BRAIN, UNRELATED, REFUSED }

    /** {@code forceFull}: the target holds writes the source does not have, so only a full sync is safe. */
    public record Outcome(Verdict verdict, boolean forceFull, String reason) {
        static Outcome of(Verdict v, String reason) {
            return new Outcome(v, false, reason);
        }
    }

    private ConnectDecision() {
    }

    public static Outcome decide(NodeInfo mine, NodeInfo peer) {
        Outcome o = direction(mine, peer);
        boolean iAmTarget = o.verdict() == Verdict.TARGET;
        boolean peerIsTarget = o.verdict() == Verdict.SOURCE;
        if ((iAmTarget && mine.role() == Role.Primary) || (peerIsTarget && peer.role() == Role.Primary)) {
            return Outcome.of(Verdict.REFUSED, "the Primary has older data than its peer and would become SyncTarget ("
                    + o.reason() + "): demote it first");
        }
        return o;
    }

    private static Outcome direction(NodeInfo mine, NodeInfo peer) {
        if (mine.role() == Role.Primary && peer.role() == Role.Primary) {
            return Outcome.of(Verdict.REFUSED, "both nodes are Primary");
        }
        if (mine.justCreated() && peer.justCreated()) {
            return Outcome.of(Verdict.IN_SYNC, "both disks were just created");
        }
        boolean myUsable = mine.disk().isUsable();
        boolean peerUsable = peer.disk().isUsable();
        if (!myUsable && !peerUsable) {
            return Outcome.of(Verdict.BOTH_INCONSISTENT, "neither disk is consistent: promote one with --force");
        }
        if (!myUsable || !peerUsable) {
            return flip(Outcome.of(Verdict.SOURCE, "the peer's disk is " + (peerUsable ? mine : peer).disk()), !myUsable);
        }
        if (mine.justCreated() || peer.justCreated()) {
            return flip(Outcome.of(Verdict.SOURCE, "the peer's disk was just created"), mine.justCreated());
        }
        List<Generation> a = mine.generations();
        List<Generation> b = peer.generations();
        int ia = -1;
        int ib = -1;
        for (int i = 0; i < a.size() && ia < 0; i++) {
            ib = indexOf(b, a.get(i).uuid());
            ia = ib >= 0 ? i : -1;
        }
        if (ia < 0) {
            if (a.isEmpty() && mine.lastSeq() == 0) {
                return Outcome.of(Verdict.TARGET, "this node never wrote");
            }
            if (b.isEmpty() && peer.lastSeq() == 0) {
                return Outcome.of(Verdict.SOURCE, "the peer never wrote");
            }
            return Outcome.of(Verdict.UNRELATED, "no generation in common: the two disks hold unrelated data");
        }
        boolean myNew = ia > 0;
        boolean peerNew = ib > 0;
        if (myNew && peerNew) {
            return Outcome.of(Verdict.SPLIT_BRAIN, "both nodes wrote as Primary since generation "
                    + Long.toHexString(a.get(ia).uuid()));
        }
        if (myNew || peerNew) {
            List<Generation> sourceGens = myNew ? a : b;
            int common = myNew ? ia : ib;
            // the earliest start of the source's new generations: after a power loss shortened its journal,
            // a newer generation can start at a lower seq than an older one (the seqs were used again)
            long branch = Long.MAX_VALUE;
            for (int i = 0; i < common; i++) {
                branch = Math.min(branch, sourceGens.get(i).firstSeq());
            }
            NodeInfo target = myNew ? peer : mine;
            boolean extra = target.lastSeq() >= branch;
            Outcome source = new Outcome(Verdict.SOURCE, extra, extra
                    ? "the target holds writes past the branch point (seq " + branch + "): full sync"
                    : "the source started a new generation at seq " + branch);
            return flip(source, !myNew);
        }
        if (mine.lastSeq() == peer.lastSeq()) {
            return Outcome.of(Verdict.IN_SYNC, "same generation and seq " + mine.lastSeq());
        }
        return flip(Outcome.of(Verdict.SOURCE, "same generation, seq " + Math.max(mine.lastSeq(), peer.lastSeq())
                + " against " + Math.min(mine.lastSeq(), peer.lastSeq())), mine.lastSeq() < peer.lastSeq());
    }

    private static Outcome flip(Outcome sourceOutcome, boolean iAmTarget) {
        return iAmTarget ? new Outcome(Verdict.TARGET, sourceOutcome.forceFull(), sourceOutcome.reason()) : sourceOutcome;
    }

    private static int indexOf(List<Generation> gens, long uuid) {
        for (int i = 0; i < gens.size(); i++) {
            if (gens.get(i).uuid() == uuid) {
                return i;
            }
        }
        return -1;
    }
}
