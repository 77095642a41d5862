package io.replicator.tools;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Compare every region with the peer's copy while the volume is in use (run it on the Primary).",
            "replctl status shows the progress and the ranges that differ; so do /metrics and the log."})
final class VerifyCommand extends ActionCommand {
    @Option(names = "--repair", description = "Rewrite each region that differs from this node's copy (replicated as a write).")
    boolean repair;

    @Override
    String command() {
        return "verify";
    }

    @Override
    boolean force() {
        return repair;
    }
}
