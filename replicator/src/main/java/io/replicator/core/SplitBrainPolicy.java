package io.replicator.core;

import io.replicator.wire.Message.NodeInfo;

/**
 * DRBD's automatic split-brain recovery policies ({@code after-sb-0pri}, {@code -1pri}, {@code -2pri}), all
 * {@code disconnect} by default: nothing is overwritten unless the operator opted in. Only a split brain
 * with a common parent (both bitmaps track the same generation) is resolved; the policies pick the victim
 * from both sides' {@link NodeInfo} and the two node names, so both nodes reach the same answer.
 * "Changes" are the bytes each side's bitmap marks (what it wrote without the peer). Exact ties go against
 * the node whose name sorts last.
 */
public record SplitBrainPolicy(ZeroPrimaries zeroPrimaries, OnePrimary onePrimary, TwoPrimaries twoPrimaries) {

    public static final SplitBrainPolicy DISCONNECT =
            new SplitBrainPolicy(ZeroPrimaries.disconnect, OnePrimary.disconnect, TwoPrimaries.disconnect);

    /** Neither node is Primary when they meet. */
    public enum ZeroPrimaries { disconnect, discard_younger_primary, discard_older_primary, discard_zero_changes,
        discard_least_changes }

    /** One node is Primary: consensus takes the 0pri answer only if it discards the Secondary. */
    public enum OnePrimary { disconnect, consensus, discard_secondary }

    /** Both Primary: the Primaries' data is never discarded automatically (DRBD's other choices reboot a node). */
    public enum TwoPrimaries { disconnect }

    /** Who loses the split brain. */
    public enum Victim { SELF, PEER, NONE }

    public Victim resolve(NodeInfo mine, NodeInfo peer, String myName, String peerName) {
        int primaries = (mine.role() == Role.Primary ? 1 : 0) + (peer.role() == Role.Primary ? 1 : 0);
        if (primaries == 2) {
            return Victim.NONE;
        }
        if (primaries == 1) {
            Victim secondary = mine.role() == Role.Primary ? Victim.PEER : Victim.SELF;
            return switch (onePrimary) {
                case disconnect -> Victim.NONE;
                case discard_secondary -> secondary;
                case consensus -> zeroPrimaries(mine, peer, myName, peerName) == secondary ? secondary : Victim.NONE;
            };
        }
        return zeroPrimaries(mine, peer, myName, peerName);
    }

    private Victim zeroPrimaries(NodeInfo mine, NodeInfo peer, String myName, String peerName) {
        switch (zeroPrimaries) {
            case disconnect -> {
                return Victim.NONE;
            }
            case discard_younger_primary, discard_older_primary -> {
                // the side that was already Primary when the peer went away is the older Primary
                if (mine.bitmapFromPrimary() != peer.bitmapFromPrimary()) {
                    boolean iAmOlder = mine.bitmapFromPrimary();
                    boolean discardOlder = zeroPrimaries == ZeroPrimaries.discard_older_primary;
                    return iAmOlder == discardOlder ? Victim.SELF : Victim.PEER;
                }
                return leastChanges(mine, peer, myName, peerName); // as DRBD does when the ages do not decide
            }
            case discard_zero_changes -> {
                boolean myZero = mine.changedBytes() == 0;
                boolean peerZero = peer.changedBytes() == 0;
                if (myZero && peerZero) {
                    return tiebreak(myName, peerName);
                }
                return myZero ? Victim.SELF : peerZero ? Victim.PEER : Victim.NONE;
            }
            default -> {
                return leastChanges(mine, peer, myName, peerName);
            }
        }
    }

    private static Victim leastChanges(NodeInfo mine, NodeInfo peer, String myName, String peerName) {
        if (mine.changedBytes() != peer.changedBytes()) {
            return mine.changedBytes() < peer.changedBytes() ? Victim.SELF : Victim.PEER;
        }
        return tiebreak(myName, peerName);
    }

    private static Victim tiebreak(String myName, String peerName) {
        return myName.compareTo(peerName) > 0 ? Victim.SELF : Victim.PEER;
    }
}
