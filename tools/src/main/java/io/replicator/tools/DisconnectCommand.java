package io.replicator.tools;

import picocli.CommandLine.Command;

@Command(name = "disconnect", mixinStandardHelpOptions = true,
        description = "Drop the link to the peer and stay StandAlone until connect. A Primary then writes without its peer.")
final class DisconnectCommand extends ActionCommand {
    @Override
    String command() {
        return "disconnect";
    }
}
