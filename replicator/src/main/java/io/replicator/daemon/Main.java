package io.replicator.daemon;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the daemon: {@code replicator serve ...}. Usage errors exit 2. */
@Command(name = "replicator", mixinStandardHelpOptions = true, version = "replicator 0.1.0",
        description = "Replicated block volumes for high-availability pairs, served over NBD.",
        subcommands = {UpCommand.class, ServeCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    public static void main(String[] args) {
        CommandLine cli = new CommandLine(new Main())
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    System.err.println("replicator: " + e.getMessage());
                    return 1;
                });
        int code = cli.execute(args);
        if (code != 0 || !ServeCommand.isServing()) {
            System.exit(code);
        }
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.err);
        System.exit(2);
    }
}
