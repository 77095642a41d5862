package io.replicator.tools;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * replctl, the operator's client of a running daemon. The control verbs (status, promote, demote,
 * connect, disconnect) arrive with the replicated daemon and its control socket; a single-node
 * {@code replicator serve} has no roles to drive.
 */
@Command(name = "replctl", mixinStandardHelpOptions = true, version = "replctl 0.1.0",
        description = "Control a replicator daemon.", subcommands = CommandLine.HelpCommand.class)
public final class Replctl implements Runnable {

    public static void main(String[] args) {
        System.exit(new CommandLine(new Replctl()).execute(args));
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.err);
        System.exit(2);
    }
}
