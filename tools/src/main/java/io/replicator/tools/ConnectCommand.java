package io.replicator.tools;

import picocli.CommandLine.Command;

@Command(name = "connect", mixinStandardHelpOptions = true, description = "Leave StandAlone and (re)connect to the peer.")
final class ConnectCommand extends ActionCommand {
    @Override
    String command() {
        return "connect";
    }
}
