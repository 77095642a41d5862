package io.replicator.sim;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The deterministic simulation of two nodes (see {@link Simulation}). By default runs seeds 1..200;
 * {@code -Dsim.seed=N} replays one seed with every event printed; {@code -Dsim.seeds=N} (and
 * {@code -Dsim.firstSeed=M}) runs more; {@code -Dsim.steps=N} changes the length of each run;
 * {@code -Dsim.writeback=any} lets a power loss keep data pages whose journal entries it lost (by
 * default the journal reaches the disk first: see {@link Simulation#journalFirst}).
 */
class SimulationTest {
    private static final int DEFAULT_SEEDS = 200;
    private static final int DEFAULT_STEPS = 3000;
    private static final int MAX_REPORTED = 3;

    @Test
    void seededRuns() {
        int steps = Integer.getInteger("sim.steps", DEFAULT_STEPS);
        boolean journalFirst = !"any".equals(System.getProperty("sim.writeback"));
        String replay = System.getProperty("sim.seed");
        if (replay != null) {
            Simulation.Stats stats = new Simulation(Long.parseLong(replay), journalFirst, true).run(steps);
            System.err.println("seed=" + replay + " passed: " + stats);
            return;
        }
        int seeds = Integer.getInteger("sim.seeds", DEFAULT_SEEDS);
        long first = Long.getLong("sim.firstSeed", 1L);
        Simulation.Stats total = new Simulation.Stats();
        List<Long> failed = new ArrayList<>();
        StringBuilder reports = new StringBuilder();
        long start = System.nanoTime();
        for (long seed = first; seed < first + seeds; seed++) {
            try {
                total.add(new Simulation(seed, journalFirst, false).run(steps));
            } catch (SimulationFailure e) {
                failed.add(seed);
                if (failed.size() <= MAX_REPORTED) {
                    reports.append(e.getMessage()).append("\n\n");
                }
            }
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        System.err.println("simulation: " + seeds + " seeds from " + first + " in " + millis + " ms: " + total
                + (failed.isEmpty() ? "" : "; FAILED seeds " + failed));
        if (!failed.isEmpty()) {
            throw new AssertionError(failed.size() + " of " + seeds + " seeds failed: " + failed + "\n\n" + reports);
        }
    }
}
