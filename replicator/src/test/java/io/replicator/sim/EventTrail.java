package io.replicator.sim;

import java.util.ArrayDeque;

/** The last events of a run (simulator actions and the cores' log lines), printed when an invariant breaks. */
final class EventTrail {
    private final int capacity;
    private final ArrayDeque<String> lines = new ArrayDeque<>();
    private final boolean echo;

    EventTrail(int capacity, boolean echo) {
        this.capacity = capacity;
        this.echo = echo;
    }

    void add(String line) {
        if (lines.size() == capacity) {
            lines.removeFirst();
        }
        lines.addLast(line);
        if (echo) {
            System.err.println(line);
        }
    }

    String dump() {
        StringBuilder sb = new StringBuilder();
        for (String line : lines) {
            sb.append("  ").append(line).append('\n');
        }
        return sb.toString();
    }
}
