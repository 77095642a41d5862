package io.replicator.tools;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "promote", mixinStandardHelpOptions = true,
        description = {"Make this node Primary. Refused while the peer is Primary or the local disk is not UpToDate.",
            "It may wait for the peer to answer."})
final class PromoteCommand extends ActionCommand {
    @Option(names = "--force", description = "Promote even though the local disk is not UpToDate: it may hold older data than the peer. Logged loudly.")
    boolean force;

    @Override
    String command() {
        return "promote";
    }

    @Override
    boolean force() {
        return force;
    }
}
