package io.replicator.tools;

import io.replicator.control.NodeStatus;
import io.replicator.core.ConnectionState;
import io.replicator.core.DiskState;
import io.replicator.core.Protocol;
import io.replicator.core.ReplicationState;
import io.replicator.core.Role;
import io.replicator.core.SyncKind;

/** The node states whose human output has a golden file in resources/io/replicator/tools/status. */
final class Statuses {
    static final NodeStatus.GenerationIds GENERATIONS = new NodeStatus.GenerationIds("5E1F3A2B4C6D7E8F", "0000000000000000",
            false, java.util.List.of("0123456789ABCDEF"));

    private Statuses() {}

    static NodeStatus established() {
        return new NodeStatus("r0", "alpha", Role.Primary, DiskState.UpToDate, ConnectionState.Connected,
                ReplicationState.Established, Protocol.C, 0, null, null, null,
                new NodeStatus.Peer("beta", Role.Secondary, DiskState.UpToDate), false, 1042, 65536, 17, 1, true, null, false, GENERATIONS, null, null, false, null);
    }

    static NodeStatus syncing() {
        return new NodeStatus("r0", "alpha", Role.Primary, DiskState.UpToDate, ConnectionState.Connected,
                ReplicationState.SyncSource, Protocol.C, 120L << 20, SyncKind.journal, 0.452, 12L,
                new NodeStatus.Peer("beta", Role.Secondary, DiskState.Consistent), false, 1042, 65536, 17, 1, true, null, false, GENERATIONS, null, null, false, null);
    }

    static NodeStatus degraded() {
        return new NodeStatus("r0", "alpha", Role.Primary, DiskState.UpToDate, ConnectionState.Connecting,
                ReplicationState.Off, Protocol.C, 4096, null, null, null,
                new NodeStatus.Peer("beta", Role.Unknown, DiskState.DUnknown), true, 1042, 65536, 17, 1, true, null, false, GENERATIONS, null, null, false, null);
    }

    static NodeStatus standAloneWithError() {
        return new NodeStatus("r0", "alpha", Role.Secondary, DiskState.Outdated, ConnectionState.StandAlone,
                ReplicationState.Off, Protocol.C, 0, null, null, null,
                new NodeStatus.Peer("beta", Role.Unknown, DiskState.DUnknown), false, 900, 0, 1, 0, false,
                "split brain: both nodes wrote since the last common generation", false, GENERATIONS, null, null, false, null);
    }

    /** A split brain found on connect; this node lost an earlier one and saved its blocks. */
    static NodeStatus splitBrain() {
        return new NodeStatus("r0", "beta", Role.Secondary, DiskState.UpToDate, ConnectionState.StandAlone,
                ReplicationState.Off, Protocol.C, 8192, null, null, null,
                new NodeStatus.Peer("alpha", Role.Unknown, DiskState.DUnknown), false, 77, 4096, 1, 0, false,
                "SPLIT_BRAIN: both nodes wrote as Primary since their last common generation (BITMAP_BOTH)", true,
                new NodeStatus.GenerationIds("7A1C33D0E5B24F96", "0123456789ABCDEF", false, java.util.List.of("0123456789ABCDEF")),
                "/var/lib/replicator/r0/beta/divergence-20261126-013000.img",
                new NodeStatus.Verify(false, true, 1.0, 2, 131072, java.util.List.of("1048576+131072"), 2, "done"), true,
                new NodeStatus.ActivityLog(1237, 412, 981));
    }

    static NodeStatus syncTarget() {
        return new NodeStatus("r0", "beta", Role.Secondary, DiskState.Inconsistent, ConnectionState.Connected,
                ReplicationState.SyncTarget, Protocol.C, 3L << 30, SyncKind.bitmap, null, null,
                new NodeStatus.Peer("alpha", Role.Primary, DiskState.UpToDate), false, 0, 0, 0, 0, false, null, false, GENERATIONS, null, null, false, null);
    }
}
