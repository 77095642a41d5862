package io.replicator.tools;

import io.replicator.control.ControlJson;
import io.replicator.control.NodeStatus;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code replctl show-gi}: the node's generation identifiers, as DRBD's {@code show-gi} prints them
 * (current:bitmap:history), with a legend; or as JSON.
 */
@Command(name = "show-gi", mixinStandardHelpOptions = true,
        description = "Show the generation identifiers: the current one, the one the bitmap tracks, the history.")
final class ShowGiCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    DaemonTarget target;

    @Option(names = "--json", description = "Print the identifiers as JSON (for scripts).")
    boolean json;

    @Override
    public Integer call() throws Exception {
        return target.send(spec, "status", false, response -> {
            NodeStatus s = response.status();
            if (s == null || s.generations() == null) {
                spec.commandLine().getErr().println("replctl: the daemon answered without generation identifiers: " + response.message());
                spec.commandLine().getErr().flush();
                return Replctl.UNREACHABLE;
            }
            PrintWriter out = spec.commandLine().getOut();
            out.print(json ? ControlJson.LENIENT.writerWithDefaultPrettyPrinter().writeValueAsString(s.generations()) + "\n"
                    : human(s));
            out.flush();
            return Replctl.DONE;
        });
    }

    static String human(NodeStatus s) {
        NodeStatus.GenerationIds g = s.generations();
        StringBuilder out = new StringBuilder(256);
        out.append(g.current()).append(':').append(g.bitmap()).append(':');
        out.append(g.history().isEmpty() ? "-" : String.join(":", g.history())).append('\n');
        out.append("^^ current:bitmap:history (newest first)").append('\n');
        out.append(s.resource()).append(" on ").append(s.node()).append(": role ").append(s.role()).append(", disk ")
                .append(s.disk()).append(", bitmap ");
        out.append(g.bitmap().chars().allMatch(c -> c == '0') ? "not in use (the peer has everything)"
                : "tracks what the peer lacks since " + g.bitmap() + (g.bitmapFromPrimary() ? " (set while Primary)" : ""));
        out.append('\n');
        return out.toString();
    }
}
