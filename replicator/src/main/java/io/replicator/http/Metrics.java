package io.replicator.http;

import io.replicator.control.NodeStatus;
import io.replicator.core.ConnectionState;
import io.replicator.core.DiskState;
import io.replicator.core.ReplicationState;
import io.replicator.core.Role;
import io.replicator.core.SyncKind;
import java.util.concurrent.atomic.LongAdder;

/**
 * The daemon's metrics. The write path records into it (thread-safe, no allocation, no lock);
 * {@code /metrics} renders it together with a status snapshot in Prometheus text format.
 */
public final class Metrics {
    private final LatencyHistogram writeLatency = new LatencyHistogram();
    private final LatencyHistogram flushLatency = new LatencyHistogram();
    private final LongAdder bytesWritten = new LongAdder();
    private final LongAdder bytesReplicated = new LongAdder();

    /** A write the NBD client was answered for, {@code nanos} after it arrived. */
    public void recordWrite(long nanos, int bytes) {
        writeLatency.record(nanos);
        bytesWritten.add(bytes);
    }

    /** A flush answered {@code nanos} after it arrived (durable on both nodes when connected). */
    public void recordFlush(long nanos) {
        flushLatency.record(nanos);
    }

    /** Bytes the peer acknowledged, whether new writes or resync. */
    public void addReplicatedBytes(long bytes) {
        bytesReplicated.add(bytes);
    }

    public String render(NodeStatus status) {
        PrometheusText out = new PrometheusText(status.resource(), status.node());
        out.enumGauge("replicator_role", "This node's role (1 for the current one).", "role", Role.values(), status.role());
        out.enumGauge("replicator_disk", "This node's disk state (1 for the current one).", "disk", DiskState.values(), status.disk());
        out.enumGauge("replicator_connection", "The replication link's state (1 for the current one).",
                "connection", ConnectionState.values(), status.connection());
        out.enumGauge("replicator_replication", "What the connected pair is doing (1 for the current one).",
                "replication", ReplicationState.values(), status.replication());
        NodeStatus.Peer peer = status.peer();
        if (peer != null) {
            out.enumGauge("replicator_peer_role", "The peer's role as last seen (1 for the current one).",
                    "role", Role.values(), peer.role());
            out.enumGauge("replicator_peer_disk", "The peer's disk state as last seen (1 for the current one).",
                    "disk", DiskState.values(), peer.disk());
        }
        out.enumGauge("replicator_sync_kind", "The running sync (all 0 while none runs).", "kind", SyncKind.values(), status.syncKind());
        out.gauge("replicator_sync_progress", "Fraction of the running sync done, 0 to 1 (0 while none runs).",
                status.syncProgress() == null ? 0.0 : status.syncProgress());
        out.gauge("replicator_out_of_sync_bytes", "Bytes that differ from the peer's copy.", status.outOfSyncBytes());
        out.gauge("replicator_journal_bytes", "Bytes retained in the journal.", status.journalBytes());
        out.gauge("replicator_last_seq", "Sequence number of the last write journaled.", status.lastSeq());
        out.gauge("replicator_nbd_clients", "NBD clients connected.", status.nbdClients());
        out.gauge("replicator_serving", "1 while NBD clients are served.", status.serving() ? 1 : 0);
        out.gauge("replicator_degraded", "1 while a Primary writes without its peer.", status.degraded() ? 1 : 0);
        NodeStatus.Verify verify = status.verify();
        out.gauge("replicator_verify_running", "1 while an online verify runs.", verify != null && verify.running() ? 1 : 0);
        out.gauge("replicator_verify_out_of_sync_bytes", "Bytes the last online verify found different on the peer.",
                verify == null ? 0 : verify.outOfSyncBytes());
        out.gauge("replicator_split_brain", "1 once a split brain was found, until the operator connects again.",
                status.splitBrain() ? 1 : 0);
        out.gauge("replicator_suspect", "1 while the disk may hold writes no journal recorded (a power loss), until the next sync.",
                status.suspect() ? 1 : 0);
        NodeStatus.ActivityLog al = status.activityLog();
        if (al != null) {
            out.gauge("replicator_activity_log_extents", "Extents the activity log may hold hot (al-extents).", al.extents());
            out.gauge("replicator_activity_log_hot_extents", "Extents hot in the activity log now.", al.hot());
            out.counter("replicator_activity_log_transactions_total", "Activity log transactions written (DRBD's al-writes).",
                    al.transactions());
        }
        out.counter("replicator_bytes_written_total", "Bytes written by NBD clients.", bytesWritten.sum());
        out.counter("replicator_bytes_replicated_total", "Bytes the peer acknowledged.", bytesReplicated.sum());
        writeLatency.render(out, "replicator_write_latency_seconds", "Time from a write's arrival to its reply.");
        flushLatency.render(out, "replicator_flush_latency_seconds", "Time from a flush's arrival to its reply.");
        return out.toString();
    }
}
