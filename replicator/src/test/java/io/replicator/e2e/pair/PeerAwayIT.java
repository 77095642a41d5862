package io.replicator.e2e.pair;

import static io.replicator.e2e.Volumes.MIB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.replicator.control.NodeStatus;
import io.replicator.core.ConnectionState;
import io.replicator.e2e.ExternalTool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The Secondary goes away while the Primary keeps writing (degraded), and comes back: by journal replay
 * when the journal still covers the gap, by bitmap resync when it no longer does, by full sync when the
 * peer's disk is new. Each way ends with identical disks.
 */
class PeerAwayIT extends PairTestBase {

    @Test
    void aSecondaryKilledDuringWritesCatchesUpFromTheJournal() {
        // a rate limit stretches the catch-up so that polling sees it
        pair = PairProcesses.start(dir, PairSettings.defaults().syncMaxRate("8MiB"));
        DaemonNode alpha = pair.alpha();
        DaemonNode beta = pair.beta();
        pair.promote(alpha);
        long firstSeq = alpha.statusNow().lastSeq();

        Fio.Result write;
        try (Fio fio = Fio.start(dir.resolve("fio"), "away", alpha.nbdUri(), job("--do_verify=0"))) {
            Await.until("alpha to journal 1500 writes while fio runs", Fio.TIMEOUT, alpha::status,
                    s -> s.lastSeq() - firstSeq >= 1500 || !fio.isAlive(), pair::statusesAndLogs);
            assertTrue(fio.isAlive(), "fio ended before the Secondary was killed");
            beta.kill9();
            pair.await(alpha, "degraded (peer away)", s -> s.degraded() && s.connection() == ConnectionState.Connecting);
            write = fio.await(Fio.TIMEOUT);
        }
        write.assertSuccess(); // the Primary goes on without its peer
        assertEquals(32 * MIB, write.writeBytes());

        Seen seen = restartAndWatch(beta, alpha);
        assertTrue(seen.primaryWas("SyncSource/journal"), "states while beta returned: " + seen);
        // a journal catch-up replays in order: the target stays consistent all along
        assertTrue(seen.returning().stream().noneMatch(s -> s.endsWith(" Inconsistent")), "states while beta returned: " + seen);
        assertTrue(alpha.currentLog().contains("SyncSource: journal sync to beta"), alpha.log());
        assertTrue(alpha.currentLog().contains("journal sync to beta done: in sync at seq"), alpha.log());
        pair.assertDisksIdentical();
        Fio.run(dir.resolve("fio"), "away", "verify", alpha.nbdUri(), job("--verify_only=1")).assertSuccess();
    }

    @Test
    void aSecondaryAwayForLongerThanTheJournalHoldsIsResyncedFromTheBitmap() {
        pair = PairProcesses.start(dir, PairSettings.defaults().size("256MiB").journalMaxSize("64MiB"));
        DaemonNode alpha = pair.alpha();
        DaemonNode beta = pair.beta();
        pair.promote(alpha);
        // one replicated write first: beta's disk is then no longer "just created" (which would mean a full sync)
        ExternalTool.runOk(ExternalTool.SHORT, "qemu-io", "-f", "raw", "-c", "write -P 0x44 200M 1M", alpha.nbdUri());
        pair.assertDisksIdentical();
        beta.stop();
        pair.await(alpha, "degraded (peer away)", NodeStatus::degraded);

        // 160 MiB written, 2.5 times what the journal may keep; the final flush lets the journal trim
        Fio.run(dir.resolve("fio"), "long", alpha.nbdUri(), List.of("--rw=write", "--bs=1m", "--iodepth=4", "--size=160m",
                "--end_fsync=1", "--verify_state_save=0")).assertSuccess();
        NodeStatus before = alpha.statusNow();

        Seen seen = restartAndWatch(beta, alpha);
        assertTrue(alpha.currentLog().contains("SyncSource: bitmap sync to beta"), "alpha should resync beta from its bitmap: "
                + "the journal (" + before.journalBytes() + " bytes, seqs " + before.journalFirstSeq() + " to " + before.lastSeq()
                + ", max-size 64MiB) should no longer hold what beta lacks; states seen: " + seen + "\n" + alpha.log());
        pair.assertDisksIdentical();
    }

    @Test
    void aWipedSecondaryGetsAFullSyncAndHolesStayHoles() throws IOException {
        pair = PairProcesses.start(dir, PairSettings.defaults().syncMaxRate("16MiB"));
        DaemonNode alpha = pair.alpha();
        DaemonNode beta = pair.beta();
        pair.promote(alpha);
        ExternalTool.runOk(ExternalTool.LONG, "qemu-io", "-f", "raw", "-c", "write -P 0x11 0 4M", "-c", "write -P 0x22 20M 8M",
                "-c", "write -P 0x33 60M 4M", alpha.nbdUri());

        beta.stop();
        Files.delete(beta.disk());
        deleteTree(beta.stateDir());
        Seen seen = restartAndWatch(beta, alpha);
        assertTrue(alpha.currentLog().contains("SyncSource: full sync to beta"), "states seen: " + seen + "\n" + alpha.log());
        assertTrue(beta.currentLog().contains("SyncTarget: full sync from alpha"), beta.log());
        pair.assertDisksIdentical();

        long written = 16 * MIB;
        long alphaAllocated = allocatedBytes(alpha.disk());
        long betaAllocated = allocatedBytes(beta.disk());
        assertTrue(alphaAllocated >= written, "alpha allocates what was written: " + alphaAllocated);
        assertTrue(betaAllocated <= alphaAllocated + MIB, "the full sync kept the holes: beta allocates " + betaAllocated
                + " bytes, alpha " + alphaAllocated + " (volume: 64 MiB, written: 16 MiB)");
    }

    /** What each node went through while the one that was away came back, until the pair was Established. */
    private record Seen(Set<String> primary, Set<String> returning) {
        boolean primaryWas(String state) {
            return primary.stream().anyMatch(s -> s.startsWith(state + " "));
        }
    }

    private Seen restartAndWatch(DaemonNode away, DaemonNode primary) {
        try (StatusWatch onPrimary = StatusWatch.start(primary); StatusWatch onReturning = StatusWatch.start(away)) {
            away.start();
            pair.awaitEstablished();
            return new Seen(onPrimary.seen(), onReturning.seen());
        }
    }

    private static List<String> job(String... extra) {
        List<String> args = new ArrayList<>(List.of("--rw=randwrite", "--bs=4k", "--iodepth=16", "--size=32m",
                "--verify=crc32c", "--randseed=99", "--verify_state_save=0"));
        args.addAll(List.of(extra));
        return args;
    }

    /** Allocated bytes of a (sparse) file, as {@code du} counts them. */
    private static long allocatedBytes(Path file) {
        String out = ExternalTool.runOk(ExternalTool.SHORT, "du", "-B1", file.toString()).stdout();
        return Long.parseLong(out.trim().split("\\s+")[0]);
    }

    static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
