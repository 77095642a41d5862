package io.replicator.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import io.replicator.core.ConnectDecision.Verdict;
import io.replicator.wire.Message.NodeInfo;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Random histories of connect, disconnect, promote, demote, write and crash for two nodes, with the
 * generation identifiers moved as the README says ReplicaCore moves them, and a model of which node holds
 * which writes. At every connect the verdict must fit the writes: in sync only with the same writes, a
 * sync only from a node that holds every write of the target, and split brain (or a refusal) whenever
 * each holds writes the other lacks. No data is in flight in this model: a write reaches the peer
 * exactly when the pair is connected.
 */
class GenerationHistoryProperties {

    private static final int EVENTS = 8;

    /** One node of the model. */
    private static final class Node {
        final String name;
        Role role = Role.Secondary;
        boolean justCreated = true;
        List<Generation> gens = new ArrayList<>();
        long bitmap;
        boolean bitmapFromPrimary;
        boolean primaryWhenLost;
        boolean needNew;
        long lastSeq;
        Set<Integer> writes = new HashSet<>();

        Node(String name) {
            this.name = name;
        }

        NodeInfo info() {
            return new NodeInfo(role, DiskState.UpToDate, lastSeq, justCreated, List.copyOf(gens), bitmap, bitmapFromPrimary, 0, false, false, null);
        }

        long current() {
            return gens.isEmpty() ? 0 : gens.get(0).uuid();
        }
    }

    private static final class Pair {
        final Node a = new Node("alpha");
        final Node b = new Node("beta");
        boolean connected = true; // a fresh pair: both just created, in sync
        long nextUuid = 1;
        int nextWrite = 1;
        final List<String> trail = new ArrayList<>();

        Node other(Node n) {
            return n == a ? b : a;
        }

        void newGeneration(Node n) {
            Node peer = other(n);
            if (!connected && n.bitmap == 0 && (n.current() != 0 || n.justCreated)) {
                n.bitmap = n.current() != 0 ? n.current() : Metadata.JUST_CREATED_UUID;
                n.bitmapFromPrimary = n.primaryWhenLost;
            }
            n.gens.add(0, new Generation(nextUuid++ * 0x9E3779B97F4A7C15L, n.lastSeq + 1));
            n.justCreated = false;
            n.needNew = false;
            if (connected) {
                peer.gens = new ArrayList<>(n.gens); // the peer adopts it with the InSync that follows
                peer.justCreated = false;
            }
        }

        void write(Node n) {
            if (n.role != Role.Primary) {
                return;
            }
            if (n.needNew || n.gens.isEmpty()) {
                newGeneration(n);
            }
            int w = nextWrite++;
            n.writes.add(w);
            n.lastSeq++;
            n.justCreated = false;
            if (connected) {
                Node peer = other(n);
                peer.writes.add(w);
                peer.lastSeq++;
                peer.justCreated = false;
            }
            trail.add(n.name + " writes #" + w);
        }

        void promote(Node n) {
            if (n.role == Role.Primary || (connected && other(n).role == Role.Primary)) {
                return;
            }
            n.role = Role.Primary;
            if (!connected) {
                newGeneration(n); // a promotion without the peer starts a generation at once
            }
            trail.add(n.name + " promoted" + (connected ? "" : " alone"));
        }

        void demote(Node n) {
            n.role = Role.Secondary;
            trail.add(n.name + " demoted");
        }

        void disconnect() {
            if (!connected) {
                return;
            }
            connected = false;
            for (Node n : List.of(a, b)) {
                n.primaryWhenLost = n.role == Role.Primary;
                n.needNew = n.role == Role.Primary;
            }
            trail.add("disconnected");
        }

        /** kill -9 and restart: back as Secondary, the data kept. */
        void crash(Node n) {
            disconnect();
            n.role = Role.Secondary;
            trail.add(n.name + " crashed");
        }

        void connect() {
            if (connected) {
                return;
            }
            ConnectDecision.Outcome o = ConnectDecision.decide(a.info(), b.info(), SplitBrainPolicy.DISCONNECT, a.name, b.name);
            ConnectDecision.Outcome mirrored = ConnectDecision.decide(b.info(), a.info(), SplitBrainPolicy.DISCONNECT, b.name, a.name);
            trail.add("connect: " + o.verdict() + " (" + o.reason() + ")");
            assertEquals(mirror(o.verdict()), mirrored.verdict(), "both sides decide alike\n" + String.join("\n", trail));
            boolean aHasAll = a.writes.containsAll(b.writes);
            boolean bHasAll = b.writes.containsAll(a.writes);
            String why = "alpha " + a.writes + ", beta " + b.writes + "\n" + String.join("\n", trail);
            switch (o.verdict()) {
                case IN_SYNC -> assertEquals(a.writes, b.writes, "in sync with different writes: " + why);
                case SOURCE -> assertTrue(aHasAll, "alpha overwrites beta's writes: " + why);
                case TARGET -> assertTrue(bHasAll, "beta overwrites alpha's writes: " + why);
                default -> {
                }
            }
            if (!aHasAll && !bHasAll) {
                assertTrue(o.verdict() == Verdict.SPLIT_BRAIN || o.verdict() == Verdict.REFUSED,
                        "each holds writes the other lacks, yet " + o.verdict() + ": " + why);
            }
            switch (o.verdict()) {
                case IN_SYNC -> settle(null, null);
                case SOURCE -> settle(a, b);
                case TARGET -> settle(b, a);
                case SPLIT_BRAIN -> {
                    // the operator resolves it: the node with fewer writes discards its data
                    Node victim = a.writes.size() <= b.writes.size() ? a : b;
                    victim.role = Role.Secondary;
                    trail.add(victim.name + " connects with --discard-my-data");
                    settle(other(victim), victim);
                }
                default -> {
                }
            }
        }

        /** The sync ends: the target holds the source's writes and adopts its ids; no bitmap is in use. */
        private void settle(Node source, Node target) {
            if (source != null) {
                target.writes = new HashSet<>(source.writes);
                target.gens = new ArrayList<>(source.gens);
                target.lastSeq = source.lastSeq;
                target.justCreated = source.justCreated;
            }
            a.bitmap = 0;
            b.bitmap = 0;
            connected = true;
        }
    }

    private static Verdict mirror(Verdict v) {
        return v == Verdict.SOURCE ? Verdict.TARGET : v == Verdict.TARGET ? Verdict.SOURCE : v;
    }

    @Test
    void verdictsFitWhichNodeHoldsWhichWrites() {
        qt().withExamples(2000).forAll(lists().of(integers().between(0, 2 * EVENTS - 1)).ofSizeBetween(1, 60))
                .checkAssert(events -> {
                    Pair p = new Pair();
                    for (int e : events) {
                        Node n = e % 2 == 0 ? p.a : p.b;
                        switch (e / 2) {
                            case 0, 1, 2 -> p.write(n);
                            case 3 -> p.promote(n);
                            case 4 -> p.demote(n);
                            case 5 -> p.disconnect();
                            case 6 -> p.connect();
                            default -> p.crash(n);
                        }
                    }
                    p.connect(); // and they meet once more at the end
                });
    }
}
