package io.replicator.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The activity log's two slots in a file of the state directory: slot 0 at offset 0, slot 1 at
 * {@link #SLOT_STRIDE}, each room for the largest log, so a changed {@code activity-log.extents} finds
 * the old slots where they were. A transaction is a positional write and an fdatasync.
 */
public final class ActivityLogFile implements ActivityLog.Store {

    /** Room for a slot of {@link ActivityLog#MAX_EXTENTS}, rounded up to pages. */
    static final long SLOT_STRIDE = (ActivityLog.slotBytes(ActivityLog.MAX_EXTENTS) + 4095L) & ~4095L;

    private final Path file;
    private final FileChannel channel;

    private ActivityLogFile(Path file, FileChannel channel) {
        this.file = file;
        this.channel = channel;
    }

    /** Opens {@code file}, creating it (empty: no extent hot) if missing. */
    public static ActivityLogFile open(Path file) throws IOException {
        boolean created = !Files.exists(file);
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        if (created && file.getParent() != null) {
            try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
                dir.force(true);
            }
        }
        return new ActivityLogFile(file, ch);
    }

    public Path file() {
        return file;
    }

    @Override
    public ByteBuffer read(int slot, int maxBytes) throws IOException {
        long at = slot * SLOT_STRIDE;
        if (channel.size() <= at) {
            return null;
        }
        ByteBuffer b = ByteBuffer.allocate((int) Math.min(maxBytes, channel.size() - at));
        while (b.hasRemaining() && channel.read(b, at + b.position()) >= 0) {
            // positional reads until full or end of file
        }
        return b.flip();
    }

    @Override
    public void write(int slot, ByteBuffer block) throws IOException {
        long at = slot * SLOT_STRIDE;
        ByteBuffer b = block.duplicate();
        while (b.hasRemaining()) {
            channel.write(b, at + b.position());
        }
        channel.force(false);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
