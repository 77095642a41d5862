package io.replicator.nbd.device;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import jnr.ffi.byref.LongLongByReference;

/**
 * A volume stored in a regular (usually sparse) file or on a block device. Data moves through
 * {@link FileChannel} positional reads and writes; flush, trim, zeroing, cache hints, allocation maps and
 * the exclusive lock go through {@link LibC} on the raw fd. Safe for concurrent requests.
 */
public final class FileBlockDevice implements BlockDevice {

    /** Shared by all devices and threads: read-only, so every user takes its own {@code duplicate()}. */
    private static final ByteBuffer ZEROES = ByteBuffer.allocateDirect(1 << 20).asReadOnlyBuffer();

    private static final int S_IFMT = 0170000;
    private static final int S_IFREG = 0100000;
    private static final int S_IFBLK = 0060000;

    private static final int PUNCH = LibC.FALLOC_FL_PUNCH_HOLE | LibC.FALLOC_FL_KEEP_SIZE;
    private static final int ZERO_RANGE = LibC.FALLOC_FL_ZERO_RANGE | LibC.FALLOC_FL_KEEP_SIZE;

    private final Path path;
    private final RandomAccessFile file;
    private final FileChannel channel;
    private final int fd;
    private final long sizeBytes;
    private final boolean readOnly;
    private final boolean blockDevice;
    /** Native calls hold the read lock so close() cannot free the fd number for reuse under them. */
    private final ReentrantReadWriteLock fdLock = new ReentrantReadWriteLock();
    private boolean closed; // guarded by fdLock

    private FileBlockDevice(Path path, RandomAccessFile file, int fd, long sizeBytes, boolean readOnly,
            boolean blockDevice) {
        this.path = path;
        this.file = file;
        this.channel = file.getChannel();
        this.fd = fd;
        this.sizeBytes = sizeBytes;
        this.readOnly = readOnly;
        this.blockDevice = blockDevice;
    }

    /** Opens an existing file or block device and takes its exclusive lock. */
    public static FileBlockDevice open(Path path, boolean readOnly) throws IOException {
        return openLocked(path, readOnly, -1);
    }

    /**
     * Opens the volume file, creating it sparse at {@code sizeBytes} if missing. An existing file or device
     * of another size is refused, since serving it would expose or lose data past one of the two sizes.
     */
    public static FileBlockDevice create(Path path, long sizeBytes) throws IOException {
        if (sizeBytes <= 0) {
            throw new IllegalArgumentException("sizeBytes: " + sizeBytes + " (expected: > 0)");
        }
        try {
            Files.createFile(path);
        } catch (FileAlreadyExistsException e) {
            // an existing volume: its size is checked under the lock
        }
        return openLocked(path, false, sizeBytes);
    }

    private static FileBlockDevice openLocked(Path path, boolean readOnly, long expectedSizeBytes)
            throws IOException {
        boolean isDevice = detectBlockDevice(path);
        RandomAccessFile file = new RandomAccessFile(path.toFile(), readOnly ? "r" : "rw");
        try {
            makeUninterruptible(file.getChannel());
            int fd = Syscalls.rawFd(file.getFD());
            lockExclusive(fd, path);
            long size = isDevice ? deviceSize(fd, path) : regularFileSize(file, expectedSizeBytes);
            if (expectedSizeBytes >= 0 && size != expectedSizeBytes) {
                throw new IOException(path + " exists with " + size + " bytes, but the volume is configured"
                        + " with " + expectedSizeBytes + " bytes. Fix the configured size, or move the file"
                        + " away if it belongs to another volume.");
            }
            return new FileBlockDevice(path, file, fd, size, readOnly, isDevice);
        } catch (IOException | RuntimeException e) {
            closeQuietlyOnError(file, e);
            throw e;
        }
    }

    /** An empty regular file holds no data yet (just created, or a crash before it was sized): size it. */
    private static long regularFileSize(RandomAccessFile file, long expectedSizeBytes) throws IOException {
        if (expectedSizeBytes > 0 && file.length() == 0) {
            file.setLength(expectedSizeBytes); // extends without writing: the file stays sparse
        }
        return file.length();
    }

    private static boolean detectBlockDevice(Path path) throws IOException {
        int mode = (Integer) Files.getAttribute(path, "unix:mode");
        switch (mode & S_IFMT) {
            case S_IFREG:
                return false;
            case S_IFBLK:
                return true;
            default:
                throw new IOException(path + " is neither a regular file nor a block device; a volume must"
                        + " be stored in one of the two");
        }
    }

    /**
     * An interrupt would otherwise close the channel, dropping the volume lock and closing the fd that
     * native calls still use. Needs {@code --add-exports=java.base/sun.nio.ch=ALL-UNNAMED}.
     */
    private static void makeUninterruptible(FileChannel channel) throws IOException {
        try {
            channel.getClass().getMethod("setUninterruptible").invoke(channel);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IOException("cannot make the volume's FileChannel uninterruptible: the JVM was started"
                    + " without --add-exports=java.base/sun.nio.ch=ALL-UNNAMED (" + e + "). Start it through"
                    + " the project's launchers, which pass the flags in tools/bin/jvm-flags.", e);
        }
    }

    private static void lockExclusive(int fd, Path path) throws IOException {
        if (Syscalls.libc().flock(fd, LibC.LOCK_EX | LibC.LOCK_NB) == 0) {
            return;
        }
        int errno = Syscalls.lastErrno();
        if (errno == LibC.EWOULDBLOCK) {
            throw new Syscalls.ErrnoException("volume " + path + " is in use by another process (a second"
                    + " nbd server or replicator daemon holds its lock). Stop that process before starting"
                    + " this one; `fuser -v " + path + "` shows which process it is.", errno);
        }
        throw Syscalls.failure("flock(LOCK_EX|LOCK_NB)", path, errno);
    }

    private static long deviceSize(int fd, Path path) throws IOException {
        LongLongByReference size = new LongLongByReference();
        if (Syscalls.libc().ioctl(fd, LibC.BLKGETSIZE64, size) != 0) {
            throw Syscalls.failure("ioctl(BLKGETSIZE64)", path, Syscalls.lastErrno());
        }
        return size.longValue();
    }

    private static void closeQuietlyOnError(RandomAccessFile file, Exception cause) {
        try {
            file.close();
        } catch (IOException e) {
            cause.addSuppressed(e);
        }
    }

    @Override
    public long sizeBytes() {
        return sizeBytes;
    }

    @Override
    public boolean isReadOnly() {
        return readOnly;
    }

    public Path path() {
        return path;
    }

    public boolean isBlockDevice() {
        return blockDevice;
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        Objects.checkFromIndexSize(offset, dst.remaining(), sizeBytes);
        long position = offset;
        while (dst.hasRemaining()) {
            int n = channel.read(dst, position);
            if (n < 0) {
                fillPastEnd(dst, position);
                return;
            }
            position += n;
        }
    }

    /** A regular file may be shorter than the volume (truncated behind our back): the rest reads zero. */
    private void fillPastEnd(ByteBuffer dst, long position) throws IOException {
        if (blockDevice) {
            throw new IOException("unexpected end of " + path + " at byte " + position + ": the device is"
                    + " smaller than the " + sizeBytes + " bytes it had when opened");
        }
        while (dst.hasRemaining()) {
            dst.put(zeroes(dst.remaining()));
        }
    }

    @Override
    public void write(long offset, ByteBuf data, boolean fua) throws IOException {
        checkWritable();
        Objects.checkFromIndexSize(offset, data.readableBytes(), sizeBytes);
        long position = offset;
        for (ByteBuffer part : data.nioBuffers()) { // a composite buffer has several parts
            position = writeFully(part, position);
        }
        if (fua) {
            flush();
        }
    }

    private long writeFully(ByteBuffer src, long position) throws IOException {
        while (src.hasRemaining()) {
            position += channel.write(src, position);
        }
        return position;
    }

    @Override
    public void flush() throws IOException {
        int errno = (int) callWithFd(fd -> Syscalls.libc().fdatasync(fd) == 0 ? 0 : Syscalls.lastErrno());
        if (errno != 0) {
            throw Syscalls.failure("fdatasync", path, errno);
        }
    }

    /** Punches a hole; where that is not supported the range is zeroed, since trimmed data reads back zero. */
    @Override
    public void trim(long offset, long length, boolean fua) throws IOException {
        checkWritable();
        Objects.checkFromIndexSize(offset, length, sizeBytes);
        if (!zeroFast(offset, length, true)) {
            writeZeroesSlowly(offset, length);
        }
        if (fua) {
            flush();
        }
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayPunch, boolean fastOnly, boolean fua)
            throws IOException {
        checkWritable();
        Objects.checkFromIndexSize(offset, length, sizeBytes);
        if (!zeroFast(offset, length, mayPunch)) {
            if (fastOnly) {
                throw new FastZeroUnsupportedException("cannot zero " + length + " bytes at " + offset + " of "
                        + path + " quickly: its file system or device supports "
                        + (mayPunch ? "neither hole punching nor " : "no ") + "FALLOC_FL_ZERO_RANGE for this range");
            }
            writeZeroesSlowly(offset, length);
        }
        if (fua) {
            flush();
        }
    }

    /** Punches (if allowed) or else zeroes the range with fallocate; false if neither is supported here. */
    private boolean zeroFast(long offset, long length, boolean mayPunch) throws IOException {
        if (length == 0) {
            return true; // fallocate would fail with EINVAL
        }
        if (mayPunch && fallocate(PUNCH, offset, length)) {
            return true;
        }
        // a block device without discard-zeroes support may still zero a range in the kernel
        return fallocate(ZERO_RANGE, offset, length);
    }

    /**
     * @return false when the file system or device does not support {@code mode} (EOPNOTSUPP) or not for
     *     this range (EINVAL, e.g. unaligned on a block device); any other failure is a disk error
     */
    private boolean fallocate(int mode, long offset, long length) throws IOException {
        int errno = (int) callWithFd(
                fd -> Syscalls.libc().fallocate(fd, mode, offset, length) == 0 ? 0 : Syscalls.lastErrno());
        if (errno == 0) {
            return true;
        }
        if (errno == LibC.EOPNOTSUPP || errno == LibC.EINVAL) {
            return false;
        }
        String modeName = mode == PUNCH ? "PUNCH_HOLE|KEEP_SIZE" : "ZERO_RANGE|KEEP_SIZE";
        throw Syscalls.failure("fallocate(" + modeName + ", " + offset + ", " + length + ")", path, errno);
    }

    private void writeZeroesSlowly(long offset, long length) throws IOException {
        long position = offset;
        long end = offset + length;
        while (position < end) {
            position = writeFully(zeroes(end - position), position);
        }
    }

    /** A view of the shared zero buffer of at most {@code maxBytes}. */
    private static ByteBuffer zeroes(long maxBytes) {
        ByteBuffer zeroes = ZEROES.duplicate();
        zeroes.limit((int) Math.min(zeroes.capacity(), maxBytes));
        return zeroes;
    }

    @Override
    public void cache(long offset, long length) throws IOException {
        Objects.checkFromIndexSize(offset, length, sizeBytes);
        if (length == 0) {
            return; // posix_fadvise would take 0 as "to the end of the file"
        }
        int errno = (int) callWithFd(
                fd -> Syscalls.libc().posix_fadvise(fd, offset, length, LibC.POSIX_FADV_WILLNEED));
        if (errno != 0) {
            throw Syscalls.failure("posix_fadvise(WILLNEED)", path, errno);
        }
    }

    /** Walks the allocation map with lseek SEEK_DATA / SEEK_HOLE; reporting "data" is always safe. */
    @Override
    public void blockStatus(long offset, long length, ExtentSink sink) throws IOException {
        Objects.checkFromIndexSize(offset, length, sizeBytes);
        long position = offset;
        long end = offset + length;
        while (position < end) {
            long dataStart = seek(position, LibC.SEEK_DATA);
            if (dataStart == -LibC.ENXIO) { // no data from here to the end of the file
                sink.extent(end - position, true, true);
                return;
            }
            if (dataStart == -LibC.EINVAL || dataStart == -LibC.EOPNOTSUPP) { // no allocation map here
                sink.extent(end - position, false, false);
                return;
            }
            checkSeek(dataStart, "SEEK_DATA", position);
            long extentEnd;
            boolean hole = dataStart > position;
            if (hole) {
                extentEnd = Math.min(dataStart, end);
            } else {
                long holeStart = seek(position, LibC.SEEK_HOLE);
                checkSeek(holeStart, "SEEK_HOLE", position);
                // a concurrent write may move the hole; keep moving forward regardless
                extentEnd = Math.max(Math.min(holeStart, end), position + 1);
            }
            if (!sink.extent(extentEnd - position, hole, hole)) {
                return;
            }
            position = extentEnd;
        }
    }

    /** lseek; the new offset, or -errno. */
    private long seek(long position, int whence) throws IOException {
        return callWithFd(fd -> {
            long result = Syscalls.libc().lseek(fd, position, whence);
            return result >= 0 ? result : -Syscalls.lastErrno();
        });
    }

    private void checkSeek(long result, String whence, long position) throws IOException {
        if (result < 0) {
            throw Syscalls.failure("lseek(" + position + ", " + whence + ")", path, (int) -result);
        }
    }

    @Override
    public void close() throws IOException {
        fdLock.writeLock().lock();
        try {
            if (!closed) {
                closed = true;
                file.close(); // closes the channel and the fd, which releases the flock
            }
        } finally {
            fdLock.writeLock().unlock();
        }
    }

    private void checkWritable() throws IOException {
        if (readOnly) {
            throw new IOException("volume " + path + " is open read-only");
        }
    }

    @FunctionalInterface
    private interface FdCall {
        long call(int fd);
    }

    private long callWithFd(FdCall call) throws IOException {
        fdLock.readLock().lock();
        try {
            if (closed) {
                throw new ClosedChannelException();
            }
            return call.call(fd);
        } finally {
            fdLock.readLock().unlock();
        }
    }

    @Override
    public String toString() {
        return "FileBlockDevice[" + path + ", " + sizeBytes + " bytes" + (readOnly ? ", read-only" : "") + "]";
    }
}
