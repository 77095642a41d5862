package io.replicator.e2e.pair;

import static org.junit.jupiter.api.Assertions.fail;

import io.replicator.e2e.ExternalTool;
import io.replicator.e2e.Json;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * fio with its nbd engine, run in a directory of the test's own (fio writes its verify state files,
 * {@code local-NAME-0-verify.state}, into the working directory), in the foreground or in the
 * background, with the JSON report read back from {@code --output}.
 */
final class Fio implements AutoCloseable {

    static final Duration TIMEOUT = Duration.ofSeconds(180);

    private final List<String> command;
    private final Process process;
    private final Path report;
    private final Path output;

    private Fio(List<String> command, Process process, Path report, Path output) {
        this.command = command;
        this.process = process;
        this.report = report;
        this.output = output;
    }

    /** What fio returned and reported. {@code json} is an empty map when fio wrote no report. */
    record Result(List<String> command, int exitCode, Object json, String output) {

        long writeBytes() {
            return jobLong("write", "io_bytes");
        }

        long readBytes() {
            return jobLong("read", "io_bytes");
        }

        long error() {
            return jobLong("error");
        }

        private long jobLong(Object... path) {
            Object[] full = new Object[path.length + 2];
            full[0] = "jobs";
            full[1] = 0;
            System.arraycopy(path, 0, full, 2, path.length);
            try {
                return Json.longAt(json, full);
            } catch (IllegalArgumentException e) {
                return fail("no " + List.of(path) + " in fio's report: " + describe());
            }
        }

        Result assertSuccess() {
            if (exitCode != 0 || error() != 0) {
                fail("fio failed (exit " + exitCode + ", job error " + error() + "): " + describe());
            }
            return this;
        }

        String describe() {
            return String.join(" ", command) + "\n--- output ---\n" + output + "\n--- report ---\n" + json;
        }
    }

    /** Starts {@code fio --name=NAME --ioengine=nbd --uri=URI ARGS...} in {@code cwd} and returns at once. */
    static Fio start(Path cwd, String name, String uri, List<String> args) {
        return start(cwd, name, name, uri, args);
    }

    /**
     * As {@link #start(Path, String, String, List)}, with the report in {@code RUN.json} and fio's output in
     * {@code RUN.out}: a verify pass must have the job name of the write pass, but keeps its own report.
     */
    static Fio start(Path cwd, String name, String run, String uri, List<String> args) {
        ExternalTool.require("fio");
        Path report = cwd.resolve(run + ".json");
        Path output = cwd.resolve(run + ".out");
        List<String> command = new ArrayList<>(List.of("fio", "--name=" + name, "--ioengine=nbd", "--uri=" + uri,
                "--output-format=json", "--output=" + report));
        command.addAll(args);
        try {
            Files.createDirectories(cwd);
            Files.deleteIfExists(report);
            Process process = new ProcessBuilder(command).directory(cwd.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectErrorStream(true).redirectOutput(output.toFile()).start();
            return new Fio(List.copyOf(command), process, report, output);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
    }

    /** Runs fio in the foreground (see {@link #start}) and returns its result, whatever its exit code. */
    static Result run(Path cwd, String name, String uri, List<String> args) {
        return run(cwd, name, name, uri, args);
    }

    /** Runs fio in the foreground with its report in {@code RUN.json} (see {@link #start(Path, String, String, String, List)}). */
    static Result run(Path cwd, String name, String run, String uri, List<String> args) {
        try (Fio fio = start(cwd, name, run, uri, args)) {
            return fio.await(TIMEOUT);
        }
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Waits for fio to exit (killing it and failing the test after {@code timeout}). */
    Result await(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
                fail("fio did not finish within " + timeout.toSeconds() + " s and was killed: " + String.join(" ", command)
                        + "\n" + read(output));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for fio", e);
        }
        String json = Files.exists(report) ? read(report) : "";
        int start = json.indexOf('{'); // fio may print its own errors before the JSON document
        Object parsed;
        try {
            parsed = start < 0 ? Map.of() : Json.parse(json.substring(start));
        } catch (IllegalArgumentException e) {
            parsed = Map.of("unparsable report", json);
        }
        return new Result(command, process.exitValue(), parsed, read(output) + (start > 0 ? json.substring(0, start) : ""));
    }

    /** Kills fio (ours, by PID) if it still runs. */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static String read(Path file) {
        try {
            return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e + ")";
        }
    }
}
