package io.replicator.tools;

import io.replicator.control.ControlClient;
import io.replicator.control.ControlResponse;
import io.replicator.control.DaemonUnreachableException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/** The options every verb takes (which daemon to talk to) and the round trip to it. */
final class DaemonTarget {
    @Option(names = "--config", required = true, paramLabel = "FILE", description = "The resource's configuration file.")
    Path config;

    @Option(names = "--node", paramLabel = "NAME", description = "The node whose daemon to control (default: this host's name).")
    String node;

    /** What a verb does with a done response; returns the exit code. */
    interface OnDone {
        int accept(ControlResponse response) throws IOException;
    }

    /**
     * Sends {@code command} to the daemon and maps the outcome to replctl's exit codes, printing
     * the reason on stderr for all but a done response, which goes to {@code onDone}.
     */
    int send(CommandSpec spec, String command, boolean force, OnDone onDone) throws IOException {
        PrintWriter err = spec.commandLine().getErr();
        String nodeName = node != null ? node : ConfigLookup.defaultNodeName();
        ConfigLookup.Target target;
        try {
            target = ConfigLookup.target(config, nodeName);
        } catch (Exception e) {
            err.println("replctl: cannot use configuration " + config + " for node " + nodeName + ": " + e.getMessage());
            err.flush();
            return Replctl.USAGE;
        }
        String daemon = "the daemon of " + target.resource() + " on node " + nodeName + " at " + target.socket();
        ControlResponse response;
        try {
            response = ControlClient.send(target.socket(), command, force);
        } catch (DaemonUnreachableException e) {
            return unreachable(err, "cannot reach " + daemon + ": " + e.getMessage());
        } catch (IOException e) {
            return unreachable(err, "no usable answer from " + daemon + ": " + e.getMessage());
        }
        if (!response.done()) {
            err.println("replctl: " + response.message());
            err.flush();
            return Replctl.REFUSED;
        }
        return onDone.accept(response);
    }

    private static int unreachable(PrintWriter err, String message) {
        err.println("replctl: " + message);
        err.flush();
        return Replctl.UNREACHABLE;
    }
}
