package io.replicator.journal;

import io.replicator.nbd.server.Log;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The journal directory around the queue: {@code journal.lock} (one process at a time),
 * {@code journal.meta}, and the {@code gen-N} queue directories, of which only the current one survives
 * an open (the others are what an interrupted reset left).
 */
final class JournalDirectory {
    private JournalDirectory() {}

    private static final Log LOG = new Log("journal");
    private static final String LOCK_FILE = "journal.lock";

    /** Takes the directory's lock; the channel holds it until closed (or the process dies). */
    static FileChannel lock(Path dir) throws IOException {
        FileChannel ch = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            FileLock held = ch.tryLock();
            if (held == null) {
                throw new IOException("journal " + dir + " is in use by another process (" + LOCK_FILE + " is locked)");
            }
            return ch;
        } catch (OverlappingFileLockException e) {
            ch.close();
            throw new IOException("journal " + dir + " is already open in this process", e);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** The metadata; a new journal (no metadata, no queues) starts at generation 1, seq 1. */
    static JournalMeta loadOrCreateMeta(Path dir) throws IOException {
        var loaded = JournalMeta.load(dir);
        if (loaded.isPresent()) {
            return loaded.get();
        }
        try (Stream<Path> files = Files.list(dir)) {
            var generations = files.filter(JournalDirectory::isGenerationDir).toList();
            if (!generations.isEmpty()) {
                throw new IOException("journal " + dir + " has queue directories " + generations + " but no "
                        + JournalMeta.FILE_NAME + "; restore it or move the directory away to start an empty journal");
            }
        }
        JournalMeta fresh = new JournalMeta(1, 1);
        fresh.store(dir);
        return fresh;
    }

    /** Removes what an interrupted reset left: generations other than the current one, and the temp file. */
    static void deleteStaleGenerations(Path dir, JournalMeta meta) throws IOException {
        Path current = meta.queueDir(dir);
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.filter(JournalDirectory::isGenerationDir).filter(p -> !p.equals(current)).toList()) {
                LOG.info("journal " + dir + ": removing " + p.getFileName() + ", left by an interrupted reset");
                deleteTree(p);
            }
        }
        Files.deleteIfExists(dir.resolve(JournalMeta.FILE_NAME + ".tmp"));
    }

    private static boolean isGenerationDir(Path p) {
        return p.getFileName().toString().startsWith("gen-") && Files.isDirectory(p);
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
