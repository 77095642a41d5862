package io.replicator.http;

import static io.replicator.http.PrometheusLines.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.replicator.control.NodeStatus;
import io.replicator.core.ConnectionState;
import io.replicator.core.DiskState;
import io.replicator.core.ReplicationState;
import io.replicator.core.Role;
import io.replicator.core.SyncKind;
import io.replicator.http.PrometheusLines.Sample;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MetricsTest {

    @Test
    void aFreshRenderIsValidWithEveryFamily() {
        List<Sample> samples = PrometheusLines.parse(new Metrics().render(Statuses.primary()));
        for (String name : List.of("replicator_out_of_sync_bytes", "replicator_journal_bytes", "replicator_last_seq",
                "replicator_sync_progress", "replicator_nbd_clients", "replicator_bytes_written_total",
                "replicator_bytes_replicated_total", "replicator_write_latency_seconds_count",
                "replicator_flush_latency_seconds_count")) {
            value(samples, name, null, null);
        }
        assertEquals(2, PrometheusLines.checkHistograms(samples));
        assertEquals(42, value(samples, "replicator_last_seq", null, null));
        assertEquals(8192, value(samples, "replicator_journal_bytes", null, null));
        assertTrue(samples.stream().allMatch(s -> "r0".equals(s.labels().get("resource")) && "alpha".equals(s.labels().get("node"))));
    }

    @Test
    void eachStateIsAnEnumWithExactlyTheCurrentValueSet() {
        List<Sample> samples = PrometheusLines.parse(new Metrics().render(Statuses.primary()));
        assertOneHot(samples, "replicator_role", "role", Role.values().length, "Primary");
        assertOneHot(samples, "replicator_disk", "disk", DiskState.values().length, "UpToDate");
        assertOneHot(samples, "replicator_connection", "connection", ConnectionState.values().length, "Connected");
        assertOneHot(samples, "replicator_replication", "replication", ReplicationState.values().length, "Established");
        assertOneHot(samples, "replicator_peer_role", "role", Role.values().length, "Secondary");
        assertEquals(0, sum(samples, "replicator_sync_kind"), "no sync runs");
        assertEquals(0, value(samples, "replicator_sync_progress", null, null));
    }

    @Test
    void aRunningSyncShowsItsKindAndProgress() {
        List<Sample> samples = PrometheusLines.parse(new Metrics().render(Statuses.syncing()));
        assertOneHot(samples, "replicator_sync_kind", "kind", SyncKind.values().length, "journal");
        assertEquals(0.452, value(samples, "replicator_sync_progress", null, null));
        assertEquals(120L << 20, value(samples, "replicator_out_of_sync_bytes", null, null));
    }

    @Test
    void theActivityLogAndASuspectDiskAreShown() {
        NodeStatus s = Statuses.primary();
        List<Sample> none = PrometheusLines.parse(new Metrics().render(s));
        assertEquals(0, value(none, "replicator_suspect", null, null));
        assertTrue(none.stream().noneMatch(x -> x.name().startsWith("replicator_activity_log")), "no activity log, no family");
        NodeStatus withLog = new NodeStatus(s.resource(), s.node(), s.role(), s.disk(), s.connection(), s.replication(),
                s.protocol(), s.outOfSyncBytes(), s.syncKind(), s.syncProgress(), s.syncEtaSeconds(), s.peer(), s.degraded(),
                s.lastSeq(), s.journalBytes(), s.journalFirstSeq(), s.nbdClients(), s.serving(), s.lastError(), s.splitBrain(),
                s.generations(), s.savedDivergence(), s.verify(), true, new NodeStatus.ActivityLog(1237, 256, 300));
        List<Sample> samples = PrometheusLines.parse(new Metrics().render(withLog));
        assertEquals(1, value(samples, "replicator_suspect", null, null));
        assertEquals(1237, value(samples, "replicator_activity_log_extents", null, null));
        assertEquals(256, value(samples, "replicator_activity_log_hot_extents", null, null));
        assertEquals(300, value(samples, "replicator_activity_log_transactions_total", null, null));
    }

    @Test
    void latenciesLandInTheirBucketsBoundsInclusive() {
        Metrics metrics = new Metrics();
        metrics.recordWrite(TimeUnit.MICROSECONDS.toNanos(40), 4096);
        metrics.recordWrite(TimeUnit.MICROSECONDS.toNanos(50), 4096);
        metrics.recordWrite(TimeUnit.MICROSECONDS.toNanos(51), 4096);
        metrics.recordWrite(TimeUnit.MILLISECONDS.toNanos(2), 512);
        metrics.recordWrite(TimeUnit.SECONDS.toNanos(20), 1);
        metrics.recordWrite(-5, 0); // a clock step backwards counts as zero, not as a crash
        metrics.recordFlush(TimeUnit.MILLISECONDS.toNanos(3));
        metrics.addReplicatedBytes(1 << 20);
        List<Sample> samples = PrometheusLines.parse(metrics.render(Statuses.primary()));
        PrometheusLines.checkHistograms(samples);
        String w = "replicator_write_latency_seconds_bucket";
        assertEquals(3, value(samples, w, "le", "0.00005"));
        assertEquals(4, value(samples, w, "le", "0.0001"));
        assertEquals(4, value(samples, w, "le", "0.001"));
        assertEquals(5, value(samples, w, "le", "0.0025"));
        assertEquals(5, value(samples, w, "le", "10"));
        assertEquals(6, value(samples, w, "le", "+Inf"));
        assertEquals(6, value(samples, "replicator_write_latency_seconds_count", null, null));
        assertEquals(20.002141, value(samples, "replicator_write_latency_seconds_sum", null, null), 1e-9);
        assertEquals(1, value(samples, "replicator_flush_latency_seconds_bucket", "le", "0.005"));
        assertEquals(0, value(samples, "replicator_flush_latency_seconds_bucket", "le", "0.0025"));
        assertEquals(3 * 4096 + 512 + 1, value(samples, "replicator_bytes_written_total", null, null));
        assertEquals(1 << 20, value(samples, "replicator_bytes_replicated_total", null, null));
    }

    @Test
    void bucketsRunFrom50MicrosecondsTo10Seconds() {
        List<Sample> buckets = PrometheusLines.parse(new Metrics().render(Statuses.primary())).stream()
                .filter(s -> s.name().equals("replicator_flush_latency_seconds_bucket")).toList();
        assertEquals("0.00005", buckets.get(0).labels().get("le"));
        assertEquals("10", buckets.get(buckets.size() - 2).labels().get("le"));
        assertEquals("+Inf", buckets.get(buckets.size() - 1).labels().get("le"));
    }

    @Test
    void concurrentRecordsAreAllCounted() throws InterruptedException {
        Metrics metrics = new Metrics();
        int threads = 4;
        int each = 20_000;
        List<Thread> writers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            long nanos = TimeUnit.MICROSECONDS.toNanos(100L * (t + 1));
            Thread writer = new Thread(() -> {
                for (int i = 0; i < each; i++) {
                    metrics.recordWrite(nanos, 4096);
                    metrics.recordFlush(nanos);
                }
            });
            writers.add(writer);
            writer.start();
        }
        for (Thread writer : writers) {
            writer.join(30_000);
        }
        List<Sample> samples = PrometheusLines.parse(metrics.render(Statuses.primary()));
        assertEquals(threads * each, value(samples, "replicator_write_latency_seconds_count", null, null));
        assertEquals(threads * each, value(samples, "replicator_flush_latency_seconds_count", null, null));
        assertEquals((double) threads * each * 4096, value(samples, "replicator_bytes_written_total", null, null));
    }

    @Test
    void labelValuesAreEscaped() {
        String text = new Metrics().render(Statuses.of("r\"0\\x\ny", Role.Secondary, DiskState.UpToDate, false));
        List<Sample> samples = PrometheusLines.parse(text);
        assertTrue(text.contains("resource=\"r\\\"0\\\\x\\ny\""), text);
        assertEquals(1, value(samples, "replicator_role", "role", "Secondary"));
    }

    private static void assertOneHot(List<Sample> samples, String name, String label, int values, String current) {
        List<Sample> family = samples.stream().filter(s -> s.name().equals(name)).toList();
        assertEquals(values, family.size(), name);
        for (Sample s : family) {
            assertEquals(s.labels().get(label).equals(current) ? 1 : 0, s.value(), s.toString());
        }
    }

    private static double sum(List<Sample> samples, String name) {
        return samples.stream().filter(s -> s.name().equals(name)).mapToDouble(Sample::value).sum();
    }
}
