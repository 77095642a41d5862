package io.replicator.control;

import io.replicator.core.ConnectionState;
import io.replicator.core.DiskState;
import io.replicator.core.Protocol;
import io.replicator.core.ReplicationState;
import io.replicator.core.Role;
import io.replicator.core.SyncKind;
import java.util.List;

/**
 * A snapshot of one node, as {@code replctl status --json} prints it and as {@code /health} and
 * {@code /metrics} read it. {@code syncKind}, {@code syncProgress} and {@code syncEtaSeconds} are
 * null while no sync runs; {@code syncProgress} is a fraction from 0 to 1. {@code splitBrain}: the last
 * connection found that both nodes wrote as Primary since their last common generation (the node stays
 * StandAlone until the operator resolves it). {@code savedDivergence}: the file where this node, having lost
 * a split brain, saved its changed blocks before the resync overwrote them (null: none since the start).
 * {@code verify}: the last online verify, running or done (null: none since the start). {@code suspect}: the
 * machine lost power (or crashed) under the daemon, and the disk may hold writes no journal recorded, until
 * the next sync with the peer. {@code activityLog}: null when the resource has none.
 */
public record NodeStatus(
        String resource,
        String node,
        Role role,
        DiskState disk,
        ConnectionState connection,
        ReplicationState replication,
        Protocol protocol,
        long outOfSyncBytes,
        SyncKind syncKind,
        Double syncProgress,
        Long syncEtaSeconds,
        Peer peer,
        boolean degraded,
        long lastSeq,
        long journalBytes,
        long journalFirstSeq,
        int nbdClients,
        boolean serving,
        String lastError,
        boolean splitBrain,
        GenerationIds generations,
        String savedDivergence,
        Verify verify,
        boolean suspect,
        ActivityLog activityLog) {

    /**
     * DRBD's activity log: {@code extents} may be hot at once, {@code hot} are, {@code transactions} were
     * written since the daemon started (DRBD's al-writes: each a small synchronous write).
     */
    public record ActivityLog(int extents, int hot, long transactions) {
    }

    /** The peer as this node last saw it ({@code Unknown}/{@code DUnknown} while not connected). */
    public record Peer(String node, Role role, DiskState disk) {
    }

    /**
     * An online verify: {@code ranges} are "offset+length" of the regions that differed (the first 100
     * runs of them), {@code endedBy} is "done" or why it stopped (null while running).
     */
    public record Verify(boolean running, boolean repair, double progress, long outOfSyncRegions, long outOfSyncBytes,
            List<String> ranges, long repairedRegions, String endedBy) {
    }

    /**
     * DRBD's generation identifiers of this node, as 16 hex digits: the current one, the one its bitmap
     * tracks changes against (all zeroes: none), and the older ones, newest first.
     */
    public record GenerationIds(String current, String bitmap, boolean bitmapFromPrimary, List<String> history) {
        public static String hex(long uuid) {
            return String.format("%016X", uuid);
        }
    }
}
