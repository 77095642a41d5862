package io.replicator.e2e.pair;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.replicator.control.ControlClient;
import io.replicator.control.NodeStatus;
import io.replicator.e2e.ExternalTool;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

/**
 * One node's daemon, {@code tools/bin/replicator up --config FILE --node NAME}, as a process of this
 * test: started (and restarted) with each run's output in its own log file, asked for its status over
 * its control socket in-process ({@link ControlClient}, what replctl uses, without a JVM per poll),
 * SIGKILLed or stopped with SIGTERM by its own PID only.
 */
public final class DaemonNode implements AutoCloseable {

    public static final String LOOPBACK = "127.0.0.1";
    private static final Duration UP_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration STATUS_TIMEOUT = Duration.ofSeconds(10);
    private static final Set<Process> RUNNING = ConcurrentHashMap.newKeySet();

    static {
        // If the test JVM is stopped mid-test, do not leave daemons behind (each by its own PID).
        Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(Process::destroyForcibly)));
    }

    private final String name;
    private final String resource;
    private final Path pairDir;
    private final Path config;
    private final int replicationPort;
    private final int nbdPort;
    private final int httpPort;
    private final List<Path> logs = new ArrayList<>();
    private Process process;
    /** Run the daemon through this (e.g. {@code ip netns exec NS}); empty: directly. */
    private List<String> prefix = List.of();

    DaemonNode(String name, String resource, Path pairDir, Path config, int replicationPort, int nbdPort, int httpPort) {
        this.name = name;
        this.resource = resource;
        this.pairDir = pairDir;
        this.config = config;
        this.replicationPort = replicationPort;
        this.nbdPort = nbdPort;
        this.httpPort = httpPort;
        PairLogOnFailure.register(this);
    }

    public String name() {
        return name;
    }

    public Path config() {
        return config;
    }

    /** The backing file the daemon creates and writes. */
    public Path disk() {
        return pairDir.resolve(name).resolve("disk.img");
    }

    public Path stateDir() {
        return pairDir.resolve(name).resolve("state");
    }

    public Path controlSocket() {
        return pairDir.resolve(name).resolve("control.sock");
    }

    public int replicationPort() {
        return replicationPort;
    }

    public int nbdPort() {
        return nbdPort;
    }

    public int httpPort() {
        return httpPort;
    }

    /** {@code nbd://127.0.0.1:PORT/RESOURCE}: the export name is the resource name by default. */
    public String nbdUri() {
        return "nbd://" + LOOPBACK + ":" + nbdPort + "/" + resource;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** Starts the daemon and waits until its control socket answers; fails (with the log) if it dies first. */
    public void start() {
        if (!startOrPortTaken()) {
            fail(name + " could not bind one of its ports (taken by another process)\n" + log());
        }
    }

    /** As {@link #start}, but false (daemon exited) when one of its ports was taken meanwhile. */
    boolean startOrPortTaken() {
        launch();
        return awaitUp();
    }

    /** Starts the process and returns at once; {@link #awaitUp} waits for it. */
    void launch() {
        if (isAlive()) {
            throw new IllegalStateException(name + " is already running (PID " + pid() + ")");
        }
        Path log = pairDir.resolve(name + "-" + (logs.size() + 1) + ".log");
        List<String> command = command();
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
        RUNNING.add(process);
        logs.add(log);
    }

    /** Waits until the control socket answers: true; false if the daemon exited because a port was taken. */
    boolean awaitUp() {
        long deadline = System.nanoTime() + UP_TIMEOUT.toNanos();
        while (status() == null) {
            if (!process.isAlive()) {
                awaitExit(STOP_TIMEOUT);
                RUNNING.remove(process);
                if (currentLog().contains("Address already in use")) {
                    return false;
                }
                fail(name + " exited with code " + process.exitValue() + " before its control socket answered: "
                        + String.join(" ", command()) + "\n" + log());
            }
            if (System.nanoTime() > deadline) {
                fail(name + " did not answer on " + controlSocket() + " within " + UP_TIMEOUT.toSeconds() + " s\n" + log());
            }
            LockSupport.parkNanos(Await.POLL.toNanos());
        }
        return true;
    }

    /** Runs the daemon (and {@link #nbdUri} clients) inside a network namespace. */
    void runIn(List<String> prefix) {
        this.prefix = List.copyOf(prefix);
    }

    /** {@code tools/bin/replicator up --config FILE --node NAME}, after the namespace prefix if any. */
    public List<String> command() {
        List<String> command = new ArrayList<>(prefix);
        command.addAll(List.of(Launchers.replicator().toString(), "up", "--config", config.toString(), "--node", name));
        return command;
    }

    /** The node's status as {@code replctl status --json} reads it; null while the daemon does not answer. */
    public NodeStatus status() {
        if (!isAlive()) {
            return null;
        }
        try {
            return ControlClient.send(controlSocket(), "status", false, STATUS_TIMEOUT).status();
        } catch (IOException e) {
            return null;
        }
    }

    /** The status, failing the test if the daemon does not answer. */
    public NodeStatus statusNow() {
        NodeStatus status = status();
        if (status == null) {
            fail(name + " does not answer on " + controlSocket() + " (alive: " + isAlive() + ")\n" + log());
        }
        return status;
    }

    /** SIGKILL to the daemon's PID (a crash); returns its exit code (137). */
    public int kill9() {
        process.destroyForcibly();
        int exitCode = awaitExit(STOP_TIMEOUT);
        if (exitCode == Integer.MIN_VALUE) {
            fail(name + " PID " + pid() + " still running " + STOP_TIMEOUT.toSeconds() + " s after SIGKILL");
        }
        RUNNING.remove(process);
        return exitCode;
    }

    /** SIGTERM to the daemon's PID; asserts a clean exit (code 0) within the deadline. */
    public void stop() {
        List<ProcessHandle> children = process.descendants().toList();
        process.toHandle().destroy();
        int exitCode = awaitExit(STOP_TIMEOUT);
        if (exitCode == Integer.MIN_VALUE) {
            fail(name + " PID " + pid() + " still running " + STOP_TIMEOUT.toSeconds() + " s after SIGTERM\n" + log());
        }
        RUNNING.remove(process);
        List<ProcessHandle> orphans = children.stream().filter(ProcessHandle::isAlive).toList();
        orphans.forEach(ProcessHandle::destroyForcibly);
        if (!orphans.isEmpty()) {
            fail("the launcher of " + name + " exited but left child processes running (now killed): " + orphans);
        }
        assertEquals(0, exitCode, name + " exit code after SIGTERM\n" + log());
    }

    /** Everything every run of this node has logged, oldest run first. */
    public String log() {
        StringBuilder text = new StringBuilder();
        for (Path log : logs) {
            text.append("--- ").append(log.getFileName()).append(" ---\n");
            try {
                text.append(new String(Files.readAllBytes(log), StandardCharsets.UTF_8));
            } catch (IOException e) {
                text.append("(cannot read ").append(log).append(": ").append(e).append(")\n");
            }
        }
        return text.toString();
    }

    /** The log of the current (latest) run only. */
    public String currentLog() {
        if (logs.isEmpty()) {
            return "";
        }
        try {
            return new String(Files.readAllBytes(logs.get(logs.size() - 1)), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** SIGKILLs the daemon if it still runs (for cleanup after a failure). */
    @Override
    public void close() {
        if (isAlive()) {
            kill9();
        }
        if (process != null) {
            RUNNING.remove(process);
        }
    }

    @Override
    public String toString() {
        return name + (process == null ? " (never started)" : " (PID " + process.pid() + (isAlive() ? ")" : ", exited)"));
    }

    private int awaitExit(Duration timeout) {
        return ExternalTool.awaitExit(process, timeout);
    }
}
