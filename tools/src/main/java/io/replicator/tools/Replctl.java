package io.replicator.tools;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * replctl, the operator's client of a running daemon: {@code replctl VERB --config FILE --node NAME}.
 * Exit codes: 0 done, 1 refused by the daemon, 2 usage or configuration error, 3 daemon unreachable.
 */
@Command(name = "replctl", mixinStandardHelpOptions = true, version = "replctl 0.1.0",
        description = "Control a replicator daemon.",
        footer = {"", "Exit codes: 0 done, 1 refused (the reason is printed), 2 usage or configuration error,",
            "3 the daemon cannot be reached."},
        subcommands = {StatusCommand.class, PromoteCommand.class, DemoteCommand.class, ConnectCommand.class,
            DisconnectCommand.class, ShowGiCommand.class, VerifyCommand.class, InvalidateCommand.class, OutdateCommand.class,
            CommandLine.HelpCommand.class})
public final class Replctl implements Runnable {
    static final int DONE = 0;
    static final int REFUSED = 1;
    static final int USAGE = 2;
    static final int UNREACHABLE = 3;

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        return new CommandLine(new Replctl());
    }

    /** The control socket of {@code node} as the configuration file {@code config} names it. */
    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing command (expected: status, promote, demote, connect, disconnect, show-gi, verify,"
                + " invalidate or outdate)");
    }
}
