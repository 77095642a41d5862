package io.replicator.tools;

import picocli.CommandLine.Command;

@Command(name = "outdate", mixinStandardHelpOptions = true,
        description = "Mark this disconnected Secondary's data Outdated: it is not promoted without --force.")
final class OutdateCommand extends ActionCommand {
    @Override
    String command() {
        return "outdate";
    }
}
