package io.replicator.e2e;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * An NBD export as a block device without the kernel nbd module: nbdfuse shows the export as a file
 * on a FUSE mount and a loop device turns that file into a block device, which may then be mounted.
 *
 * <p>{@link #close()} undoes every step that was done, in reverse (umount, losetup -d, fusermount3
 * -u, then waits for nbdfuse to exit), even after a failure, and reports every step that failed.
 */
public final class FuseLoopMount implements AutoCloseable {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(20);

    private final Path fuseDir;
    private final Path fuseLog;
    private Process nbdfuse;
    private String loopDevice;
    private Path mountPoint;

    private FuseLoopMount(Path workDir) {
        this.fuseDir = workDir.resolve("fuse");
        this.fuseLog = workDir.resolve("nbdfuse.log");
    }

    /** Starts nbdfuse for {@code uri} under {@code workDir} and attaches a loop device to its file. */
    public static FuseLoopMount attach(Path workDir, String uri) {
        FuseLoopMount mount = new FuseLoopMount(workDir);
        try {
            mount.startNbdfuse(workDir, uri);
            mount.loopDevice = ExternalTool.runOk(ExternalTool.SHORT, "losetup", "-f", "--show",
                    mount.fuseDir.resolve("disk").toString()).stdout().trim();
            return mount;
        } catch (RuntimeException | Error e) {
            mount.closeAfterFailure(e);
            throw e;
        }
    }

    private void startNbdfuse(Path workDir, String uri) {
        for (String tool : List.of("nbdfuse", "losetup", "fusermount3", "mount", "umount")) {
            ExternalTool.require(tool);
        }
        Path pidFile = workDir.resolve("nbdfuse.pid");
        try {
            Files.createDirectories(fuseDir);
            nbdfuse = new ProcessBuilder("nbdfuse", "-P", pidFile.toString(), fuseDir.resolve("disk").toString(), uri)
                    .redirectErrorStream(true).redirectOutput(fuseLog.toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (!Files.exists(pidFile)) {
            if (!nbdfuse.isAlive() || System.nanoTime() > deadline) {
                fail("nbdfuse did not write " + pidFile + " (alive=" + nbdfuse.isAlive() + "): " + log());
            }
            waitForExit(nbdfuse, Duration.ofMillis(50));
        }
    }

    /** The loop device, e.g. {@code /dev/loop3}. */
    public String device() {
        return loopDevice;
    }

    public void mkfsExt4() {
        ExternalTool.runOk(ExternalTool.LONG, "mkfs.ext4", "-q", "-F", loopDevice);
    }

    /** Mounts the loop device on {@code dir} (created if needed). */
    public void mount(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ExternalTool.runOk(ExternalTool.SHORT, "mount", loopDevice, dir.toString());
        mountPoint = dir;
    }

    /** Unmounts the filesystem (clean umount), keeping the loop device for e.g. {@code e2fsck} on {@link #device()}. */
    public void unmount() {
        if (mountPoint != null) {
            ExternalTool.runOk(ExternalTool.LONG, "umount", mountPoint.toString());
            mountPoint = null;
        }
    }

    /**
     * After the NBD server died under a mounted filesystem: detaches every layer without waiting for I/O
     * that can no longer complete ({@code umount -l}, {@code losetup -d}, {@code fusermount3 -u -z}), then
     * waits for nbdfuse to exit, killing it (ours) if it does not. Fails naming every step that failed.
     */
    public void detachLazily() {
        List<String> problems = new ArrayList<>();
        if (mountPoint != null) {
            step(problems, "umount", "-l", mountPoint.toString());
            mountPoint = null;
        }
        if (loopDevice != null) {
            step(problems, "losetup", "-d", loopDevice); // a busy loop device is detached once released
            loopDevice = null;
        }
        if (nbdfuse != null) {
            if (nbdfuse.isAlive()) {
                step(problems, "fusermount3", "-u", "-z", fuseDir.toString());
            }
            if (!waitForExit(nbdfuse, Duration.ofSeconds(15))) {
                nbdfuse.destroyForcibly();
                waitForExit(nbdfuse, Duration.ofSeconds(5));
            }
            nbdfuse = null;
        }
        if (!problems.isEmpty()) {
            fail("lazy detach of " + fuseDir + " failed: " + String.join("; ", problems) + "\n" + log());
        }
    }

    @Override
    public void close() {
        List<String> problems = new ArrayList<>();
        undo(problems);
        if (!problems.isEmpty()) {
            fail("cleanup of " + fuseDir + " failed: " + String.join("; ", problems) + "\n" + log());
        }
    }

    private void closeAfterFailure(Throwable cause) {
        List<String> problems = new ArrayList<>();
        undo(problems);
        problems.forEach(p -> cause.addSuppressed(new AssertionError(p)));
    }

    private void undo(List<String> problems) {
        if (mountPoint != null) {
            step(problems, "umount", mountPoint.toString());
            mountPoint = null;
        }
        if (loopDevice != null) {
            step(problems, "losetup", "-d", loopDevice);
            loopDevice = null;
        }
        if (nbdfuse != null) {
            if (nbdfuse.isAlive()) {
                step(problems, "fusermount3", "-u", fuseDir.toString());
            }
            // nbdfuse exits by itself once unmounted; kill it (it is ours) only if it does not.
            if (!waitForExit(nbdfuse, Duration.ofSeconds(15))) {
                problems.add("nbdfuse PID " + nbdfuse.pid() + " did not exit after fusermount3 -u; killed");
                nbdfuse.destroyForcibly();
                waitForExit(nbdfuse, Duration.ofSeconds(5));
            }
            nbdfuse = null;
        }
    }

    private static void step(List<String> problems, String... command) {
        try {
            ExternalTool.Result result = ExternalTool.run(ExternalTool.SHORT, command);
            if (result.exitCode() != 0) {
                problems.add(result.describe());
            }
        } catch (RuntimeException | AssertionError e) {
            problems.add(String.join(" ", command) + ": " + e.getMessage());
        }
    }

    private static boolean waitForExit(Process process, Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private String log() {
        try {
            return "--- nbdfuse log ---\n" + Files.readString(fuseLog);
        } catch (IOException e) {
            return "(no nbdfuse log)";
        }
    }
}
