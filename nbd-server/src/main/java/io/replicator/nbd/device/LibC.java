package io.replicator.nbd.device;

import jnr.ffi.annotations.SaveError;
import jnr.ffi.byref.LongLongByReference;

/**
 * The few libc calls that {@code FileChannel} does not offer. Loaded once by {@link Syscalls}; use its
 * wrappers, which read errno and turn failures into {@link java.io.IOException}s. {@code @SaveError}
 * makes jnr-ffi capture errno right after each call, before the JVM can overwrite it.
 */
@SaveError
public interface LibC {

    int FALLOC_FL_KEEP_SIZE = 0x01;
    int FALLOC_FL_PUNCH_HOLE = 0x02;
    int FALLOC_FL_ZERO_RANGE = 0x10;

    int SEEK_DATA = 3;
    int SEEK_HOLE = 4;

    int POSIX_FADV_WILLNEED = 3;

    /** Linux 5.14+: fault a range in writable, as a write to each page would, in one call. */
    int MADV_POPULATE_WRITE = 23;

    int LOCK_EX = 2;
    int LOCK_NB = 4;

    /** {@code _IOR(0x12, 114, size_t)}: the size of a block device in bytes, as a u64. */
    long BLKGETSIZE64 = 0x80081272L;

    int EIO = 5;
    int ENXIO = 6;
    int EWOULDBLOCK = 11;
    int EINVAL = 22;
    int ENOSPC = 28;
    int EOPNOTSUPP = 95;

    int fallocate(int fd, int mode, long offset, long length);

    int fdatasync(int fd);

    long lseek(int fd, long offset, int whence);

    /** Returns the error number itself (0 on success); does not set errno. */
    int posix_fadvise(int fd, long offset, long length, int advice);

    int flock(int fd, int operation);

    int madvise(long address, long length, int advice);

    int ioctl(int fd, long request, LongLongByReference result);

    String strerror(int errnum);
}
