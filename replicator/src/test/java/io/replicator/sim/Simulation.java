package io.replicator.sim;

import io.replicator.control.NodeStatus;
import io.replicator.core.ConnectionState;
import io.replicator.core.Metadata;
import io.replicator.core.ReplicationState;
import io.replicator.core.ReplicaCore;
import io.replicator.core.SplitBrainPolicy;
import io.replicator.core.Role;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One seeded run of two replicated nodes over a simulated network, disk and clock. Every step the
 * scheduler picks one enabled action at random (delivering a message, the applier taking an item, a
 * client request, the pump, the tick, an operator command, a fault) and then checks the
 * {@link Invariants}. Runs alternate storms with calm phases (no clients, no faults) so that the pair
 * reaches quiet, in-sync points where the disks are compared; the run ends by healing everything, as
 * an operator would, and demanding that the pair converges. Same seed, same run: a failure names it.
 */
final class Simulation {
    static final long VOLUME_BYTES = 1L << 20;
    static final String RESOURCE = "r0";
    private static final String[] NAMES = {"alpha", "beta"};
    private static final int CALM_EVERY_STEPS = 700;
    private static final int CALM_MAX_STEPS = 400;
    private static final int HEAL_ROUNDS = 30;
    private static final int HEAL_ROUND_STEPS = 300;

    /** What a run exercised, summed over seeds for the test's report. */
    static final class Stats {
        long steps, writes, flushes, ackedWritesChecked, promises, promotions, kills, powerLosses, syncsCompleted,
                splitBrains, quietChecks, verifies, invalidates;

        void add(Stats o) {
            steps += o.steps;
            writes += o.writes;
            flushes += o.flushes;
            ackedWritesChecked += o.ackedWritesChecked;
            promises += o.promises;
            promotions += o.promotions;
            kills += o.kills;
            powerLosses += o.powerLosses;
            syncsCompleted += o.syncsCompleted;
            splitBrains += o.splitBrains;
            quietChecks += o.quietChecks;
            verifies += o.verifies;
            invalidates += o.invalidates;
        }

        @Override
        public String toString() {
            return steps + " steps, " + writes + " writes, " + flushes + " flushes, " + ackedWritesChecked
                    + " peer-acked writes checked, " + promises + " durability promises, " + promotions + " promotions, "
                    + kills + " kill -9, " + powerLosses + " power losses, " + syncsCompleted + " syncs completed, "
                    + splitBrains + " split-brain verdicts, " + quietChecks + " quiet-point comparisons, " + verifies
                    + " verifies run to the end, " + invalidates + " invalidates";
        }
    }

    private interface Action {
        void run() throws Exception;
    }

    final long seed;
    /**
     * A power loss never leaves on disk a write whose journal entry it lost (write-ahead order). The
     * core does not enforce that order (see the report of bug "unjournaled data after a power loss");
     * false models any page-cache writeback order.
     */
    final boolean journalFirst;
    final SplittableRandom random;
    final Profile profile;
    final CountingAllocator alloc = new CountingAllocator();
    final EventTrail trail;
    final SimNode[] nodes = {new SimNode(0, NAMES[0]), new SimNode(1, NAMES[1])};
    final SimNetwork net;
    final Floors floors;
    final Invariants invariants = new Invariants(this);
    final Actions actions = new Actions(this);
    final Stats stats = new Stats();
    /** Per node: it accepted writes while disconnected that the peer has not received since (rule 6). */
    final boolean[] divergent = new boolean[2];
    long nextWriteId = 1;
    private final SplittableRandom[] coreRandom;
    private long nowNanos = 1_000_000_000L;
    private long step;
    private boolean calm;
    /** The final phase: the operator (not chance) issues the commands. */
    private boolean healing;
    private long calmUntil;
    private final List<Action> enabled = new ArrayList<>();
    private final List<Double> weights = new ArrayList<>();

    Simulation(long seed, boolean journalFirst, boolean echo) {
        this.seed = seed;
        this.journalFirst = journalFirst;
        this.random = new SplittableRandom(seed);
        this.profile = Profile.draw(random);
        this.trail = new EventTrail(echo ? 1 : 50, echo);
        this.coreRandom = new SplittableRandom[] {random.split(), random.split()};
        this.floors = new Floors((int) (VOLUME_BYTES / BlockData.BLOCK_BYTES));
        this.net = new SimNetwork(random.split(), new SimNetwork.Endpoints() {
            @Override
            public void linkDownLater(SimNetwork.SimPort port, String reason) {
                SimNode n = nodes[port.side];
                if (n.up()) {
                    n.applier.addLast(new SimNode.Item(port, new SimNode.LinkDown(reason)));
                }
            }

            @Override
            public int powerEpoch(int node) {
                return nodes[node].powerEpoch;
            }
        });
    }

    /** Runs {@code steps} steps of storms and calms, then heals and checks convergence and leaks. */
    Stats run(int steps) {
        try {
            event("seed=" + seed + ": " + profile + (journalFirst ? "" : ", any writeback order"));
            for (SimNode n : nodes) {
                boolean created = switch (profile.start()) {
                    case BOTH_CREATED -> true;
                    case ONE_INCONSISTENT -> n.index == 0;
                    case BOTH_INCONSISTENT -> false;
                };
                n.newDisk(VOLUME_BYTES, profile, invariants.watcher(n.index), Metadata.created(RESOURCE, VOLUME_BYTES, created));
                startCore(n);
            }
            while (step < steps) {
                if (!calm && step % CALM_EVERY_STEPS == CALM_EVERY_STEPS - 1) {
                    calm = true;
                    calmUntil = step + CALM_MAX_STEPS;
                    event("calm: no clients, no faults");
                }
                stepOnce();
                if (calm && (step >= calmUntil || invariants.quiet())) {
                    calm = false;
                    event("storm");
                }
            }
            heal();
            finish();
            stats.steps = step;
            return stats;
        } catch (SimulationFailure e) {
            throw e;
        } catch (Throwable e) {
            throw failure("unexpected " + e, e);
        }
    }

    // ------------------------------------------------------------------ scheduling

    private void stepOnce() throws Exception {
        step++;
        nowNanos += random.nextInt(calm ? 20 : 3) * 1_000_000L + random.nextInt(1_000_000);
        if (random.nextInt(200) == 0) {
            nowNanos += 500_000_000L + random.nextLong(1_500_000_000L);
        }
        enabled.clear();
        weights.clear();
        for (SimNode n : nodes) {
            offerNodeActions(n);
        }
        offerNetworkActions();
        if (!enabled.isEmpty()) {
            pick().run();
        }
        for (SimNode n : nodes) {
            if (n.up()) {
                n.bitmapHistory.observe(n.bitmap);
            }
        }
        invariants.everyStep();
    }

    private void offerNodeActions(SimNode n) {
        double f = profile.faultRate();
        if (!n.up()) {
            offer(3, () -> actions.restart(n));
            return;
        }
        boolean primary = n.core.role() == Role.Primary;
        if (!n.applier.isEmpty()) {
            offer(40, () -> actions.applyOne(n));
        }
        if (!calm && primary && n.requests.size() < 8) {
            offer(12, () -> actions.clientRequest(n));
        }
        if (actions.canProgress(n)) {
            offer(20, () -> actions.clientProgress(n));
        }
        offer(6, () -> actions.pump(n));
        offer(2, () -> actions.tick(n));
        if (n.promotion != null) {
            offer(n.promotion.pending().isAnswered() ? 8 : 0.3, () -> actions.finishPromote(n));
        } else if (!calm) {
            boolean noPrimary = !primary && (!other(n).up() || other(n).core.role() != Role.Primary);
            offer(noPrimary ? 1.5 : 0.3, () -> actions.beginPromote(n, random.nextInt(5) == 0));
        }
        if (n.demotion != null) {
            if (actions.canDemoteProgress(n)) {
                offer(8, () -> actions.demoteProgress(n));
            }
        } else if (!calm && primary) {
            offer(0.3, () -> actions.beginDemote(n));
        }
        if (!n.core.wantsConnection()) {
            if (!healing) {
                offer(calm ? 2 : 0.8, () -> actions.connectCommand(n));
            }
        } else if (!calm) {
            offer(0.08, () -> actions.disconnectCommand(n));
        }
        if (primary && n.status().replication() == ReplicationState.Established) {
            offer(1, () -> actions.verifyCommand(n, random.nextInt(4) == 0)); // calm too: there it runs to its end
        }
        if (!calm && !primary && n.status().replication() == ReplicationState.Established) {
            offer(0.02, () -> actions.invalidateCommand(n));
        }
        if (!calm) {
            offer(0.06 * f, () -> actions.kill(n));
            offer(0.04 * f, () -> actions.powerLoss(n));
            if (profile.ioErrors()) {
                offer(0.03 * f, () -> actions.ioError(n));
            }
        }
        if (!calm && !n.core.wantsConnection() && splitBrain(n.status().lastError())) {
            offer(0.3, () -> discardVictim(n));
        }
        if (n.core.diskState() == io.replicator.core.DiskState.Diskless) {
            offer(1, () -> actions.kill(n)); // the operator restarts a node whose disk failed
        }
    }

    private void offerNetworkActions() {
        double f = profile.faultRate();
        for (SimNetwork.Connection c : net.connections()) {
            for (int to = 0; to < 2; to++) {
                int side = to;
                if (nodes[to].up() && actions.deliverable(c, to)) {
                    offer(40, () -> actions.deliver(c, side));
                }
            }
        }
        SimNetwork.Connection open = net.openConnection();
        if (open != null) {
            for (int side = 0; side < 2; side++) {
                int s = side;
                if (!open.helloSent[side] && nodes[side].up()) {
                    offer(10, () -> actions.hello(open, s));
                }
            }
            if (!calm) {
                offer(0.12 * f, () -> {
                    event("network: " + open + " breaks");
                    net.breakConnection(open, "the network broke (ping timeout)");
                });
            }
        } else if (!net.partitioned() && nodes[0].up() && nodes[1].up() && nodes[0].core.wantsConnection()
                && nodes[1].core.wantsConnection()) {
            offer(5, actions::openConnection);
        }
        if (net.partitioned()) {
            offer(calm ? 5 : 0.5, () -> {
                event("network: partition heals");
                net.heal();
            });
        } else if (!calm) {
            offer(0.03 * f, () -> {
                event("network: partition");
                net.partition();
            });
        }
    }

    private void offer(double weight, Action a) {
        enabled.add(a);
        weights.add(weight);
    }

    private Action pick() {
        double total = 0;
        for (double w : weights) {
            total += w;
        }
        double x = random.nextDouble() * total;
        for (int i = 0; i < enabled.size(); i++) {
            x -= weights.get(i);
            if (x < 0) {
                return enabled.get(i);
            }
        }
        return enabled.get(enabled.size() - 1);
    }

    // ------------------------------------------------------------------ the end of a run

    /** Stops the faults and plays the operator until the pair is connected, in sync and quiet (liveness). */
    private void heal() throws Exception {
        calm = true;
        healing = true;
        event("heal: no more faults; the operator repairs");
        for (int round = 0; round < HEAL_ROUNDS; round++) {
            repair();
            for (int i = 0; i < HEAL_ROUND_STEPS; i++) {
                stepOnce();
                if (invariants.quiet()) {
                    return;
                }
            }
        }
        fail(0, "liveness: the pair did not reach Connected/Established/UpToDate and quiet after " + HEAL_ROUNDS
                + " repair rounds: " + describe(nodes[0]) + "; " + describe(nodes[1]));
    }

    /** What an operator does to a pair that does not converge on its own. */
    private void repair() throws Exception {
        net.heal();
        for (SimNode n : nodes) {
            if (n.up() && n.core.diskState() == io.replicator.core.DiskState.Diskless) {
                actions.kill(n);
            }
            if (!n.up()) {
                actions.restart(n);
            }
        }
        if (nodes[0].core.role() == Role.Primary && nodes[1].core.role() == Role.Primary) {
            demoteNow(nodes[random.nextInt(2)]);
        }
        for (SimNode n : nodes) {
            NodeStatus s = n.status();
            if (s.connection() != ConnectionState.StandAlone) {
                continue;
            }
            String why = s.lastError() == null ? "" : s.lastError();
            if (splitBrain(why)) {
                discardVictim(n);
            } else if (why.startsWith("REFUSED")) {
                for (SimNode p : nodes) {
                    if (p.core.role() == Role.Primary) {
                        demoteNow(p);
                    }
                }
            }
        }
        for (SimNode n : nodes) {
            if (!n.core.wantsConnection()) {
                actions.connectCommand(n);
            }
        }
        if (!nodes[0].core.diskState().isUsable() && !nodes[1].core.diskState().isUsable()
                && nodes[0].promotion == null && nodes[1].promotion == null) {
            actions.beginPromote(nodes[random.nextInt(2)], true);
        }
    }

    private static boolean splitBrain(String lastError) {
        return lastError != null && (lastError.startsWith("SPLIT_BRAIN") || lastError.startsWith("UNRELATED"));
    }

    /** The operator resolves a split brain: one node's data is given up (its disk replaced), then both connect. */
    private void discardVictim(SimNode n) throws IOException {
        SimNode victim = !other(n).up() || other(n).core.role() == Role.Primary ? n : nodes[random.nextInt(2)];
        if (random.nextBoolean()) {
            // DRBD's way: connect --discard-my-data on the victim; it gives up what it wrote since the split (its
            // promises, its divergence) and takes a full sync, its changed blocks saved first
            event("operator: " + n.status().lastError() + ": connect --discard-my-data on " + victim);
            demoteNow(victim);
            victim.requests.clear(); // demote --force: its clients are gone, and with them any flush still running
            victim.unflushed.clear();
            floors.wiped(victim.index);
            divergent[victim.index] = false;
            if (victim.core.wantsConnection()) {
                actions.disconnectCommand(victim);
            }
            event(victim + ": connect --discard-my-data: " + victim.core.connect(true).message());
        } else {
            event("operator: " + n.status().lastError() + ": replacing the disk of " + victim);
            demoteNow(victim);
            actions.wipe(victim);
            actions.restart(victim);
        }
        for (SimNode x : nodes) {
            if (x.up() && !x.core.wantsConnection()) {
                actions.connectCommand(x);
            }
        }
    }

    private void demoteNow(SimNode n) {
        if (n.up() && n.core.role() == Role.Primary && n.demotion == null) {
            n.core.demote();
            event(n + ": demoted by the operator");
        }
    }

    /** Releases what is still in flight and checks that no buffer leaked (rule 7). */
    private void finish() {
        net.drain();
        for (SimNode n : nodes) {
            n.kill();
        }
        int leaked = alloc.unreleased();
        if (leaked != 0) {
            fail(7, leaked + " of " + alloc.allocated() + " ByteBufs were not released at the end of the run");
        }
    }

    // ------------------------------------------------------------------ helpers

    void startCore(SimNode n) throws IOException {
        SplittableRandom r = coreRandom[n.index];
        n.start(new ReplicaCore.Settings(RESOURCE, n.name, other(n).name, profile.protocol(), profile.maxBufferBytes(),
                        profile.windowMessages(), profile.journalMaxEntries() * BlockData.BLOCK_BYTES / 4, SplitBrainPolicy.DISCONNECT,
                        "boot-" + n.powerEpoch),
                new ReplicaCore.EventLog() {
                    @Override
                    public void info(String message) {
                        event(n + ": " + message);
                    }

                    @Override
                    public void warn(String message) {
                        event(n + ": WARN " + message);
                    }
                }, () -> nowNanos, r::nextLong, alloc);
    }

    SimNode other(SimNode n) {
        return nodes[1 - n.index];
    }

    void event(String line) {
        trail.add(step + " " + line);
    }

    private String describe(SimNode n) {
        if (!n.up()) {
            return n + " down";
        }
        NodeStatus s = n.status();
        return n + " " + s.role() + "/" + s.disk() + "/" + s.connection() + "/" + s.replication()
                + (s.lastError() == null ? "" : " (" + s.lastError() + ")");
    }

    /** Fails the run: rule {@code rule} (0 for liveness) is broken. */
    void fail(int rule, String what) {
        throw failure((rule == 0 ? "" : "invariant " + rule + ": ") + what, null);
    }

    private SimulationFailure failure(String what, Throwable cause) {
        String message = "seed=" + seed + " step=" + step + ": " + what + "\n(" + profile + "; " + describe0() + ")\nlast events:\n"
                + trail.dump() + "replay: mvn -o -pl replicator test -Dtest=SimulationTest -Dsim.seed=" + seed
                + (journalFirst ? "" : " -Dsim.writeback=any");
        return cause == null ? new SimulationFailure(message) : new SimulationFailure(message, cause);
    }

    private String describe0() {
        try {
            return describe(nodes[0]) + "; " + describe(nodes[1]);
        } catch (RuntimeException e) {
            return "status unavailable: " + e;
        }
    }
}
