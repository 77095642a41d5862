package io.replicator.tools;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "demote", mixinStandardHelpOptions = true,
        description = "Make this node Secondary. Refused while NBD clients are connected.")
final class DemoteCommand extends ActionCommand {
    @Option(names = "--force", description = "Disconnect the NBD clients first (their in-flight writes fail).")
    boolean force;

    @Override
    String command() {
        return "demote";
    }

    @Override
    boolean force() {
        return force;
    }
}
