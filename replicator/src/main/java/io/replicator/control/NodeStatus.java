package io.replicator.control;

import io.replicator.core.ConnectionState;
import io.replicator.core.DiskState;
import io.replicator.core.Protocol;
import io.replicator.core.ReplicationState;
import io.replicator.core.Role;
import io.replicator.core.SyncKind;

/**
 * A snapshot of one node, as {@code replctl status --json} prints it and as {@code /health} and
 * {@code /metrics} read it. {@code syncKind}, {@code syncProgress} and {@code syncEtaSeconds} are
 * null while no sync runs; {@code syncProgress} is a fraction from 0 to 1.
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
        String lastError) {

    /** The peer as this node last saw it ({@code Unknown}/{@code DUnknown} while not connected). */
    public record Peer(String node, Role role, DiskState disk) {
    }
}
