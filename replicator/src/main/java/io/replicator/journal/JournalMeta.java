package io.replicator.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * The journal's own small metadata file: which generation directory holds the queue, and the seq the
 * generation starts at. A reset writes a new generation (write-new-then-rename, synced), so a journal that
 * was reset and then reopened with no entries still knows its next seq, and a crash mid-reset leaves either
 * the old generation or the new one, never a mix.
 */
record JournalMeta(long generation, long nextSeq) {

    static final String FILE_NAME = "journal.meta";
    private static final int MAGIC = 0x4C4E4A52; // "RJNL" little-endian
    private static final int VERSION = 1;
    private static final int BYTES = 4 + 4 + 8 + 8 + 4;

    /** The queue directory of this generation. */
    Path queueDir(Path journalDir) {
        return journalDir.resolve("gen-" + generation);
    }

    static Optional<JournalMeta> load(Path journalDir) throws IOException {
        Path file = journalDir.resolve(FILE_NAME);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        if (bytes.length != BYTES) {
            throw new IOException("journal metadata " + file + ": size " + bytes.length + " (expected: " + BYTES + ")");
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int magic = buf.getInt();
        int version = buf.getInt();
        long generation = buf.getLong();
        long nextSeq = buf.getLong();
        int crc = buf.getInt();
        if (magic != MAGIC) {
            throw new IOException("journal metadata " + file + ": magic 0x" + Integer.toHexString(magic)
                    + " (expected: 0x" + Integer.toHexString(MAGIC) + "); not a journal directory?");
        }
        if (crc != checksum(bytes)) {
            throw new IOException("journal metadata " + file + ": checksum mismatch (file damaged)");
        }
        if (version != VERSION) {
            throw new IOException("journal metadata " + file + ": version " + version + " (expected: " + VERSION + ")");
        }
        if (generation < 1 || nextSeq < 1) {
            throw new IOException("journal metadata " + file + ": generation " + generation + ", nextSeq " + nextSeq
                    + " (expected: both >= 1)");
        }
        return Optional.of(new JournalMeta(generation, nextSeq));
    }

    /** Atomically replaces the metadata file; durable when this returns. */
    void store(Path journalDir) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buf.putInt(MAGIC).putInt(VERSION).putLong(generation).putLong(nextSeq);
        buf.putInt(checksum(buf.array()));
        buf.flip();
        Path tmp = journalDir.resolve(FILE_NAME + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
        Files.move(tmp, journalDir.resolve(FILE_NAME), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        syncDirectory(journalDir);
    }

    /** Makes created, renamed and deleted names in {@code dir} durable. */
    static void syncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    private static int checksum(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, BYTES - 4);
        return (int) crc.getValue();
    }
}
