package io.replicator.tools;

import io.replicator.control.NodeStatus;
import io.replicator.core.ConnectionState;
import java.util.Locale;

/**
 * {@code replctl status} for people, in DRBD's style:
 * <pre>
 * r0 role:Primary disk:UpToDate
 *   beta role:Secondary disk:UpToDate replication:SyncSource
 *     sync:journal 45.2% [=========&gt;          ] eta 12s  out-of-sync: 120 MiB
 * </pre>
 * Scripts should use {@code --json}; this text is kept stable by golden-file tests all the same.
 */
final class StatusFormat {
    static final int BAR_WIDTH = 20;
    private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};

    private StatusFormat() {}

    static String human(NodeStatus s) {
        StringBuilder out = new StringBuilder(256);
        out.append(s.resource()).append(" role:").append(s.role()).append(" disk:").append(s.disk());
        if (s.degraded()) {
            out.append(" (degraded: writes are not replicated)");
        }
        out.append('\n');
        NodeStatus.Peer peer = s.peer();
        if (peer != null) {
            out.append("  ").append(peer.node()).append(" role:").append(peer.role()).append(" disk:").append(peer.disk());
            if (s.connection() == ConnectionState.Connected) {
                out.append(" replication:").append(s.replication());
            } else {
                out.append(" connection:").append(s.connection());
            }
            out.append('\n');
        }
        if (s.syncKind() != null) {
            out.append("    sync:").append(s.syncKind()).append(' ').append(percent(s.syncProgress()))
                    .append(" [").append(bar(s.syncProgress())).append("] eta ").append(duration(s.syncEtaSeconds()))
                    .append("  out-of-sync: ").append(bytes(s.outOfSyncBytes())).append('\n');
        }
        NodeStatus.Verify v = s.verify();
        if (v != null) {
            out.append("    verify").append(v.repair() ? " --repair" : "").append(": ");
            if (v.running()) {
                out.append(percent(v.progress())).append(" [").append(bar(v.progress())).append("]");
            } else {
                out.append(v.endedBy());
            }
            out.append("  out-of-sync: ").append(bytes(v.outOfSyncBytes())).append(" in ").append(v.outOfSyncRegions())
                    .append(v.outOfSyncRegions() == 1 ? " region" : " regions");
            if (v.repair()) {
                out.append(", ").append(v.repairedRegions()).append(" rewritten");
            }
            out.append('\n');
        }
        if (s.splitBrain()) {
            out.append("  split-brain: both nodes wrote since their last common generation; nothing was overwritten\n");
        }
        if (s.suspect()) {
            out.append("  suspect: the machine restarted under the daemon; the next sync compares this disk with the peer's\n");
        }
        if (s.savedDivergence() != null) {
            out.append("  saved-divergence: ").append(s.savedDivergence()).append('\n');
        }
        if (s.lastError() != null && !s.lastError().isEmpty()) {
            out.append("  last-error: ").append(s.lastError().replace('\n', ' ')).append('\n');
        }
        return out.toString();
    }

    static String percent(Double fraction) {
        return fraction == null ? "?%" : String.format(Locale.ROOT, "%.1f%%", clamp(fraction) * 100);
    }

    /** {@code =} for each twentieth done, {@code >} at the front, spaces for the rest. */
    static String bar(Double fraction) {
        int done = fraction == null ? 0 : (int) Math.floor(clamp(fraction) * BAR_WIDTH);
        StringBuilder bar = new StringBuilder(BAR_WIDTH).append("=".repeat(done));
        if (done < BAR_WIDTH) {
            bar.append('>');
        }
        return bar.append(" ".repeat(BAR_WIDTH - bar.length())).toString();
    }

    static String duration(Long seconds) {
        if (seconds == null || seconds < 0) {
            return "?";
        }
        if (seconds < 60) {
            return seconds + "s";
        }
        if (seconds < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", seconds / 60, seconds % 60);
        }
        return String.format(Locale.ROOT, "%dh%02dm", seconds / 3600, seconds % 3600 / 60);
    }

    /** Binary units; one decimal below 10 so that small amounts keep their precision. */
    static String bytes(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        int unit = 0;
        double value = bytes;
        while (value >= 1024 && unit < UNITS.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, value < 10 ? "%.1f %s" : "%.0f %s", value, UNITS[unit]);
    }

    private static double clamp(double fraction) {
        return Double.isNaN(fraction) ? 0 : Math.max(0, Math.min(1, fraction));
    }
}
