package io.replicator.tools;

import io.replicator.control.ControlJson;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code replctl status}: the node and its peer, in DRBD's style, or as JSON. */
@Command(name = "status", mixinStandardHelpOptions = true, description = "Show the node's role, disk, link and sync state.")
final class StatusCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    DaemonTarget target;

    @Option(names = "--json", description = "Print the full status as JSON (for scripts).")
    boolean json;

    @Override
    public Integer call() throws Exception {
        return target.send(spec, "status", false, response -> {
            PrintWriter out = spec.commandLine().getOut();
            if (response.status() == null) {
                spec.commandLine().getErr().println("replctl: the daemon answered without a status: " + response.message());
                spec.commandLine().getErr().flush();
                return Replctl.UNREACHABLE;
            }
            out.print(json
                    ? ControlJson.LENIENT.writerWithDefaultPrettyPrinter().writeValueAsString(response.status()) + "\n"
                    : StatusFormat.human(response.status()));
            out.flush();
            return Replctl.DONE;
        });
    }
}
