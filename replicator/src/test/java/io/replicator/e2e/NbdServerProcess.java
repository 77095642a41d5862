package io.replicator.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One NBD server process under test: our launcher ({@code tools/bin/replicator serve ...}) on a free
 * loopback port, logging to a file in the test's temporary directory.
 *
 * <p>{@link #stop()} sends SIGTERM to exactly the PID started here and asserts a clean exit (code 0).
 * {@link #close()} (for {@code @AfterEach}) SIGKILLs whatever is still running.
 */
public final class NbdServerProcess implements AutoCloseable {

    public static final String LOOPBACK = "127.0.0.1";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    private static final int START_ATTEMPTS = 3;
    private static final Set<Process> STARTED = ConcurrentHashMap.newKeySet();
    /** Servers started by the running test or still open (class-wide ones), for {@link ServerLogOnFailure}. */
    static final List<NbdServerProcess> OF_CURRENT_TEST = new CopyOnWriteArrayList<>();
    static final List<NbdServerProcess> OPEN = new CopyOnWriteArrayList<>();

    static {
        // If the test JVM is stopped mid-test, do not leave our servers behind (each by its own PID).
        Runtime.getRuntime().addShutdownHook(new Thread(() -> STARTED.forEach(Process::destroyForcibly)));
    }

    private final Process process;
    private final List<String> command;
    private final Path log;
    private final int port;

    private NbdServerProcess(Process process, List<String> command, Path log, int port) {
        this.process = process;
        this.command = command;
        this.log = log;
        this.port = port;
    }

    /** Starts the server with {@code args} plus {@code --listen 127.0.0.1:PORT} on a free port. */
    public static NbdServerProcess start(Path workDir, String... args) {
        return start(workDir, true, List.of(args));
    }

    /** Starts the server with only the listeners named in {@code args} (e.g. {@code --listen unix:PATH}). */
    public static NbdServerProcess startWithoutTcp(Path workDir, String... args) {
        return start(workDir, false, List.of(args));
    }

    private static NbdServerProcess start(Path workDir, boolean tcp, List<String> args) {
        for (int attempt = 1; ; attempt++) {
            int port = tcp ? freeLoopbackPort() : -1;
            List<String> command = ourCommand(args, port);
            Path log = workDir.resolve("server-" + System.nanoTime() + ".log");
            Process process;
            try {
                process = new ProcessBuilder(command)
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile())
                        .start();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start " + command, e);
            }
            STARTED.add(process);
            NbdServerProcess server = new NbdServerProcess(process, List.copyOf(command), log, port);
            OF_CURRENT_TEST.add(server);
            OPEN.add(server);
            if (server.awaitListening(unixSockets(args))) {
                return server;
            }
            // The process died. A port taken between our probe and its bind is worth another try.
            String text = server.log();
            server.close();
            if (attempt >= START_ATTEMPTS || !text.contains("Address already in use")) {
                fail("server exited with code " + process.exitValue() + " before listening: "
                        + String.join(" ", command) + "\n--- server log ---\n" + text);
            }
        }
    }

    /**
     * Runs the server in the foreground and waits for it to exit by itself: for arguments it must
     * refuse. A server that starts serving instead is killed when {@code timeout} runs out, failing the test.
     */
    public static ExternalTool.Result runExpectingExit(Duration timeout, String... args) {
        return ExternalTool.run(timeout, Map.of(), ourCommand(List.of(args), freeLoopbackPort()));
    }

    /** {@code nbd://127.0.0.1:PORT/NAME}. */
    public String uri(String exportName) {
        if (port < 0) {
            throw new IllegalStateException("this server has no TCP listener");
        }
        return "nbd://" + LOOPBACK + ":" + port + "/" + exportName;
    }

    /** The URI of the default export name, {@code volume}. */
    public String uri() {
        return uri("volume");
    }

    public int port() {
        return port;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Everything the server has logged so far. */
    public String log() {
        try {
            return new String(Files.readAllBytes(log), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    /** Fails the test (with the log) if the server has died. */
    public void assertAlive() {
        if (!process.isAlive()) {
            fail("server died (exit " + process.exitValue() + ")\n--- server log ---\n" + log());
        }
    }

    /** After a bad request: the server is alive and a fresh connection still reads {@code bytes} of export {@code name}. */
    public void assertStillServes(String name, int bytes) {
        assertAlive();
        try (RawNbdClient client = RawNbdClient.open(port(), name)) {
            assertEquals(bytes, client.read(0, bytes).length);
            client.disconnect();
        }
    }

    /**
     * Sends SIGTERM to the server's PID, waits for it to exit and asserts exit code 0. Also fails if a
     * child of the launcher outlives it (the launcher should {@code exec} the JVM).
     */
    public void stop() {
        List<ProcessHandle> children = process.descendants().toList();
        process.toHandle().destroy(); // SIGTERM, to this PID only
        int exitCode = awaitExit(STOP_TIMEOUT);
        if (exitCode == Integer.MIN_VALUE) {
            fail("server PID " + pid() + " still running " + STOP_TIMEOUT.toSeconds()
                    + " s after SIGTERM\n--- server log ---\n" + log());
        }
        List<ProcessHandle> orphans = children.stream().filter(ProcessHandle::isAlive).toList();
        orphans.forEach(ProcessHandle::destroyForcibly);
        if (!orphans.isEmpty()) {
            fail("the launcher exited but left child processes running (now killed): " + orphans
                    + "\n--- server log ---\n" + log());
        }
        assertEquals(0, exitCode, "server exit code after SIGTERM\n--- server log ---\n" + log());
    }

    /** SIGKILLs the server (a crash) and returns its exit code. */
    public int kill() {
        try {
            ExternalTool.destroyTree(process);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        int exitCode = awaitExit(STOP_TIMEOUT);
        STARTED.remove(process);
        return exitCode;
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            kill();
        }
        STARTED.remove(process);
        OPEN.remove(this);
    }

    @Override
    public String toString() {
        return "server pid " + pid() + ": " + String.join(" ", command);
    }

    /** A TCP port on 127.0.0.1 that nothing listened on a moment ago. */
    public static int freeLoopbackPort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits until every listener accepts; false if the process died first. */
    private boolean awaitListening(List<Path> unixSockets) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                return false;
            }
            if ((port < 0 || tcpAccepts(port)) && unixSockets.stream().allMatch(NbdServerProcess::unixAccepts)) {
                return true;
            }
            if (awaitExit(Duration.ofMillis(50)) != Integer.MIN_VALUE) {
                return false;
            }
        }
        close();
        return fail("server did not listen within " + START_TIMEOUT.toSeconds() + " s (killed): "
                + String.join(" ", command) + "\n--- server log ---\n" + log());
    }

    private int awaitExit(Duration timeout) {
        return ExternalTool.awaitExit(process, timeout);
    }

    private static boolean tcpAccepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(LOOPBACK, port), 250);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean unixAccepts(Path path) {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            return channel.connect(UnixDomainSocketAddress.of(path));
        } catch (IOException e) {
            return false;
        }
    }

    private static List<Path> unixSockets(List<String> args) {
        List<Path> sockets = new ArrayList<>();
        for (int i = 0; i + 1 < args.size(); i++) {
            if (args.get(i).equals("--listen") && args.get(i + 1).startsWith("unix:")) {
                sockets.add(Path.of(args.get(i + 1).substring("unix:".length())));
            }
        }
        return sockets;
    }

    private static List<String> ourCommand(List<String> args, int port) {
        List<String> command = new ArrayList<>();
        command.add(launcher().toString());
        command.add("serve");
        command.addAll(args);
        if (port >= 0) {
            command.add("--listen");
            command.add(LOOPBACK + ":" + port);
        }
        return command;
    }

    /** {@code -De2e.launcher=PATH}, else {@code tools/bin/replicator} in the nearest enclosing directory. */
    static Path launcher() {
        String configured = System.getProperty("e2e.launcher");
        if (configured != null) {
            return Path.of(configured);
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("tools/bin/replicator");
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return fail("launcher tools/bin/replicator not found above " + Path.of("").toAbsolutePath()
                + ": build with 'mvn package' from the repository root or set -De2e.launcher=PATH");
    }
}
