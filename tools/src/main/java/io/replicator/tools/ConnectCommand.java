package io.replicator.tools;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "connect", mixinStandardHelpOptions = true, description = "Leave StandAlone and (re)connect to the peer.")
final class ConnectCommand extends ActionCommand {
    @Option(names = "--discard-my-data", description = {"This node gives up its side of a split brain: its changed blocks are",
        "saved to a file in its state directory (named in the log and in status --json), then it resyncs from the peer."})
    boolean discardMyData;

    @Override
    String command() {
        return "connect";
    }

    @Override
    boolean force() {
        return discardMyData;
    }
}
