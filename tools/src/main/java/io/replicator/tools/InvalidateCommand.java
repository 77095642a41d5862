package io.replicator.tools;

import picocli.CommandLine.Command;

@Command(name = "invalidate", mixinStandardHelpOptions = true,
        description = "Drop this Secondary's data: it becomes Inconsistent and gets a full sync from the peer.")
final class InvalidateCommand extends ActionCommand {
    @Override
    String command() {
        return "invalidate";
    }
}
