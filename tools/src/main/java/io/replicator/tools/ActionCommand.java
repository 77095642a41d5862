package io.replicator.tools;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** A verb that asks the daemon to change something and prints what it did. */
abstract class ActionCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    DaemonTarget target;

    abstract String command();

    boolean force() {
        return false;
    }

    @Override
    public Integer call() throws Exception {
        return target.send(spec, command(), force(), response -> {
            PrintWriter out = spec.commandLine().getOut();
            out.println(response.message());
            out.flush();
            return Replctl.DONE;
        });
    }
}
