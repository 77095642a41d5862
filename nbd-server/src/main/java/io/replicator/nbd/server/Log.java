package io.replicator.nbd.server;

import java.io.PrintStream;
import java.time.Instant;

/** One line per event on stderr: time, level, component, message. */
public final class Log {
    private static final PrintStream OUT = System.err;

    private final String component;

    public Log(String component) {
        this.component = component;
    }

    public void info(String message) {
        line("INFO ", message, null);
    }

    public void warn(String message) {
        line("WARN ", message, null);
    }

    public void error(String message, Throwable cause) {
        line("ERROR", message, cause);
    }

    private void line(String level, String message, Throwable cause) {
        String text = Instant.now() + " " + level + " [" + component + "] " + message
                + (cause == null ? "" : ": " + cause);
        synchronized (OUT) {
            OUT.println(text);
        }
    }
}
