package io.replicator.http;

import io.replicator.control.NodeStatus;
import io.replicator.core.ConnectionState;
import io.replicator.core.DiskState;
import io.replicator.core.Protocol;
import io.replicator.core.ReplicationState;
import io.replicator.core.Role;
import io.replicator.core.SyncKind;

/** Node statuses for the tests: a healthy Primary and the variations of it. */
final class Statuses {
    static final NodeStatus.GenerationIds GENERATIONS = new NodeStatus.GenerationIds("5E1F3A2B4C6D7E8F", "0000000000000000",
            false, java.util.List.of("0123456789ABCDEF"));

    private Statuses() {}

    static NodeStatus primary() {
        return of("r0", Role.Primary, DiskState.UpToDate, true);
    }

    static NodeStatus of(String resource, Role role, DiskState disk, boolean serving) {
        return new NodeStatus(resource, "alpha", role, disk, ConnectionState.Connected, ReplicationState.Established,
                Protocol.C, 0, null, null, null, new NodeStatus.Peer("beta", Role.Secondary, DiskState.UpToDate),
                false, 42, 8192, 7, serving ? 1 : 0, serving, null, false, GENERATIONS, null, null, false, null);
    }

    static NodeStatus syncing() {
        return new NodeStatus("r0", "alpha", Role.Primary, DiskState.UpToDate, ConnectionState.Connected,
                ReplicationState.SyncSource, Protocol.C, 120L << 20, SyncKind.journal, 0.452, 12L,
                new NodeStatus.Peer("beta", Role.Secondary, DiskState.Consistent), false, 42, 8192, 7, 1, true, null, false, GENERATIONS, null, null, false, null);
    }
}
