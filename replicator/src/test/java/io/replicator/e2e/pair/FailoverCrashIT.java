package io.replicator.e2e.pair;

import static io.replicator.e2e.Volumes.MIB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.replicator.control.NodeStatus;
import io.replicator.core.ConnectionState;
import io.replicator.core.Role;
import io.replicator.e2e.ExternalTool;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Failover is a crash: SIGKILL the Primary while fio writes to it (protocol C), promote the Secondary,
 * and every write fio saw acknowledged must read back there (fio's verify state: what completed before
 * the crash). Then the killed node returns as Secondary, is synced from the new Primary and ends with
 * the same bytes. Each round uses a fresh pair; the kill point and what follows vary with a seed that a
 * failure prints. {@code -De2e.crashRounds=N} (default 10) and {@code -De2e.crashSeed=S} reproduce or
 * extend a run ({@code tools/crash-rounds N}).
 */
@ExtendWith(PairLogOnFailure.class)
class FailoverCrashIT {

    private static final int ROUNDS = Integer.getInteger("e2e.crashRounds", 10);
    private static final long SEED = Long.getLong("e2e.crashSeed", System.nanoTime());
    private static final int BLOCK_BYTES = 4096;
    private static final long FIO_BYTES = 32 * MIB;

    @TempDir
    Path dir;

    @Test
    void acknowledgedWritesSurviveASigkillOfThePrimary() {
        Random random = new Random(SEED);
        for (int round = 1; round <= ROUNDS; round++) {
            // odd rounds: iodepth 16, checked against fio's completion log; even rounds: iodepth 1, where
            // fio's own verify_state check is exact too (see AcknowledgedWrites)
            int iodepth = round % 2 == 1 ? 16 : 1;
            int killAfterWrites = iodepth == 16 ? 500 + random.nextInt(2500) : 200 + random.nextInt(800); // of 8192
            int fioSeed = random.nextInt(1_000_000);
            boolean writeAfterFailover = random.nextBoolean();
            String what = "round " + round + " of " + ROUNDS + " (-De2e.crashSeed=" + SEED + "; iodepth " + iodepth + ", kill after "
                    + killAfterWrites + " writes, fio seed " + fioSeed + ", new Primary writes before the old one returns: "
                    + writeAfterFailover + ")";
            System.out.println("FailoverCrashIT: " + what);
            try {
                round(dir.resolve("round-" + round), iodepth, killAfterWrites, fioSeed, writeAfterFailover);
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError(what + " failed: " + e.getMessage(), e);
            }
        }
    }

    private void round(Path roundDir, int iodepth, int killAfterWrites, int fioSeed, boolean writeAfterFailover) {
        Path fioDir = roundDir.resolve("fio");
        Phases phases = new Phases();
        try (PairProcesses pair = PairProcesses.start(roundDir, PairSettings.defaults().pings("500ms", "2s"))) {
            DaemonNode alpha = pair.alpha();
            DaemonNode beta = pair.beta();
            pair.promoteOverSocket(alpha); // replctl itself promotes beta below
            phases.end("start");
            long firstSeq = alpha.statusNow().lastSeq();

            Fio.Result crashed;
            try (Fio fio = Fio.start(fioDir, "crash", "write", alpha.nbdUri(), job(fioSeed, iodepth,
                    "--do_verify=0", "--verify_state_save=1", "--write_lat_log=acked", "--log_offset=1"))) {
                NodeStatus atKill = Await.until("alpha to journal " + killAfterWrites + " writes while fio runs", Fio.TIMEOUT,
                        alpha::status, s -> s.lastSeq() - firstSeq >= killAfterWrites || !fio.isAlive(), pair::statusesAndLogs);
                assertTrue(fio.isAlive(), "fio ended before the kill (alpha at seq " + atKill.lastSeq() + ")");
                assertEquals(137, alpha.kill9(), "exit code of a SIGKILLed daemon");
                crashed = fio.await(Fio.TIMEOUT);
            }
            phases.end("write and kill");
            assertNotEquals(0, crashed.exitCode(), "fio should fail when its server is killed: " + crashed.describe());
            List<long[]> acked = AcknowledgedWrites.read(fioDir.resolve("acked_clat.1.log"));
            assertTrue(acked.size() >= killAfterWrites - iodepth && acked.size() < FIO_BYTES / BLOCK_BYTES,
                    acked.size() + " writes acknowledged (expected: from " + (killAfterWrites - iodepth) + ", fewer than all)");

            // the Secondary sees the link go (the kernel closes the socket; pings bound it otherwise), then may be promoted
            pair.await(beta, "the link to alpha down", s -> s.connection() != ConnectionState.Connected && s.peer().role() == Role.Unknown);
            pair.promote(beta);
            phases.end("failover");
            Path export = roundDir.resolve("beta-export.img");
            ExternalTool.runOk(ExternalTool.LONG, "nbdcopy", beta.nbdUri(), export.toString());
            AcknowledgedWrites.assertPresent(acked, alpha.disk(), export);
            if (iodepth == 1) {
                Fio.Result verify = Fio.run(fioDir, "crash", "verify", beta.nbdUri(),
                        job(fioSeed, iodepth, "--verify_only=1", "--verify_state_load=1"));
                verify.assertSuccess();
                assertTrue(verify.readBytes() >= (acked.size() - 1L) * BLOCK_BYTES, "fio verified " + verify.readBytes()
                        + " bytes (expected: the " + acked.size() + " acknowledged writes): " + verify.describe());
            }

            phases.end("check");
            if (writeAfterFailover) {
                ExternalTool.runOk(ExternalTool.SHORT, "qemu-io", "-f", "raw", "-c", "write -P 0x5a 40M 1M", beta.nbdUri());
            }
            alpha.start();
            pair.awaitEstablished();
            phases.end("return and resync");
            assertEquals(Role.Secondary, alpha.statusNow().role(), "the killed node returns as Secondary");
            assertEquals(Role.Primary, beta.statusNow().role());
            pair.assertDisksIdentical();
            phases.end("compare");
            System.out.println("FailoverCrashIT: round done: " + phases + "; " + connectVerdict(alpha));
        }
    }

    /** How long each step of a round took, for the log of a long run. */
    private static final class Phases {
        private final StringBuilder text = new StringBuilder();
        private final long start = System.nanoTime();
        private long last = start;

        void end(String phase) {
            long now = System.nanoTime();
            text.append(String.format("%s %.1f s, ", phase, (now - last) / 1e9));
            last = now;
        }

        @Override
        public String toString() {
            return text + String.format("total %.1f s", (last - start) / 1e9);
        }
    }

    /** What the returning node logged on connecting ("connected to beta: TARGET (...)"), for the run's log. */
    private static String connectVerdict(DaemonNode node) {
        return node.currentLog().lines().filter(l -> l.contains("connected to ")).reduce((a, b) -> b)
                .map(l -> l.substring(l.indexOf("connected to "))).orElse("(no connect line)");
    }

    /** One job for the write pass and the verify pass: same name, seed, size and pattern. */
    private static List<String> job(int seed, int iodepth, String... extra) {
        List<String> args = new ArrayList<>(List.of("--rw=randwrite", "--bs=" + BLOCK_BYTES, "--iodepth=" + iodepth,
                "--size=" + FIO_BYTES, "--verify=crc32c", "--randseed=" + seed));
        args.addAll(List.of(extra));
        return args;
    }
}
