package io.replicator.e2e;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a real command-line tool with a deadline and captures what it printed.
 *
 * <p>Output goes to temporary files rather than pipes, so a chatty tool can never block on a full
 * pipe. A tool that outlives its deadline is killed (it and its descendants, all started here) and
 * the test fails with the command line and everything it printed.
 */
public final class ExternalTool {

    /** The deadline for quick client commands (nbdinfo, qemu-io on a few MiB, openssl). */
    public static final Duration SHORT = Duration.ofSeconds(30);
    /** The deadline for commands that move the whole volume (fio, nbdcopy, mkfs). */
    public static final Duration LONG = Duration.ofSeconds(120);

    /** The python that has the libnbd module; the python3 first on PATH does not. */
    public static final String NBD_PYTHON = "/usr/bin/python3";

    private static final Map<String, String> PACKAGE_OF = Map.ofEntries(
            Map.entry("qemu-io", "qemu-utils"), Map.entry("qemu-img", "qemu-utils"),
            Map.entry("nbdinfo", "libnbd-bin"), Map.entry("nbdcopy", "libnbd-bin"),
            Map.entry("nbdfuse", "nbdfuse"), Map.entry("fio", "fio"),
            Map.entry("fusermount3", "fuse3"), Map.entry("openssl", "openssl"),
            Map.entry("nbdkit", "nbdkit"), Map.entry("losetup", "mount"),
            Map.entry("mkfs.ext4", "e2fsprogs"), Map.entry("e2fsck", "e2fsprogs"),
            Map.entry(NBD_PYTHON, "python3-libnbd"));

    private ExternalTool() {}

    /** What a finished command printed and returned. */
    public record Result(List<String> command, int exitCode, String stdout, String stderr) {

        /** Fails the test unless the command exited 0. */
        public Result assertSuccess() {
            if (exitCode != 0) {
                fail("command failed (exit " + exitCode + "): " + describe());
            }
            return this;
        }

        /** Fails the test unless the command exited with {@code expected}. */
        public Result assertExit(int expected) {
            if (exitCode != expected) {
                fail("expected exit " + expected + " but got " + exitCode + ": " + describe());
            }
            return this;
        }

        public String describe() {
            return String.join(" ", command) + "\n--- stdout ---\n" + stdout + "\n--- stderr ---\n" + stderr;
        }
    }

    /**
     * Returns the path of {@code name} (a command on PATH, or an absolute path), failing the test when
     * it is missing: these ITs are worthless if they silently skip on a machine without the tools.
     */
    public static Path require(String name) {
        if (name.contains("/")) {
            Path path = Path.of(name);
            if (Files.isExecutable(path)) {
                return path;
            }
        } else {
            String pathVar = System.getenv().getOrDefault("PATH", "");
            for (String dir : (pathVar + ":/usr/sbin:/sbin").split(File.pathSeparator)) {
                if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
                    return Path.of(dir, name);
                }
            }
        }
        return fail("required tool '" + name + "' is missing (package " + PACKAGE_OF.getOrDefault(name, "?")
                + "); install it as described in shared/reference/tools.md");
    }

    /** Runs {@code command} and returns its result whatever its exit code. */
    public static Result run(Duration timeout, String... command) {
        return run(timeout, Map.of(), List.of(command));
    }

    /** Runs {@code command} and fails the test unless it exits 0. */
    public static Result runOk(Duration timeout, String... command) {
        return run(timeout, command).assertSuccess();
    }

    /** Runs {@code command} with extra environment variables. */
    public static Result run(Duration timeout, Map<String, String> env, List<String> command) {
        require(command.get(0));
        Path out = null;
        Path err = null;
        try {
            out = Files.createTempFile("e2e-out", ".txt");
            err = Files.createTempFile("e2e-err", ".txt");
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            builder.environment().putAll(env);
            Process process = builder.start();
            boolean finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!finished) {
                destroyTree(process);
                fail("command did not finish within " + timeout.toSeconds() + " s and was killed: "
                        + new Result(command, -1, read(out), read(err)).describe());
            }
            return new Result(List.copyOf(command), process.exitValue(), read(out), read(err));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command, e);
        } finally {
            deleteQuietly(out);
            deleteQuietly(err);
        }
    }

    /** Waits up to {@code timeout} for a process we started; its exit code, or {@code Integer.MIN_VALUE} if still running. */
    public static int awaitExit(Process process, Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : Integer.MIN_VALUE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Integer.MIN_VALUE;
        }
    }

    /** SIGKILLs a process we started and every descendant it started, each by its own PID. */
    static void destroyTree(Process process) throws InterruptedException {
        List<ProcessHandle> descendants = process.descendants().toList();
        process.destroyForcibly();
        descendants.forEach(ProcessHandle::destroyForcibly);
        process.waitFor(10, TimeUnit.SECONDS);
    }

    private static String read(Path file) throws IOException {
        return new String(Files.readAllBytes(file), StandardCharsets.UTF_8); // lenient: tools may print any bytes
    }

    private static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // a leftover temp file is harmless
            }
        }
    }
}
