package io.replicator.nbd.device;

import java.io.FileDescriptor;
import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.Path;
import java.util.Map;
import jnr.ffi.LibraryLoader;

/**
 * The loaded {@link LibC}, errno handling and the raw-fd helper. Every failure becomes an
 * {@link ErrnoException} naming the call, the path and the errno, so an operator reading a log line
 * knows which file failed how.
 */
public final class Syscalls {

    private static final LibC LIBC = LibraryLoader.create(LibC.class).failImmediately().load("c");
    private static final jnr.ffi.Runtime RUNTIME = jnr.ffi.Runtime.getRuntime(LIBC);

    private static final Map<Integer, String> ERRNO_NAMES = Map.of(
            LibC.EIO, "EIO",
            LibC.ENXIO, "ENXIO",
            LibC.EWOULDBLOCK, "EWOULDBLOCK",
            LibC.EINVAL, "EINVAL",
            LibC.ENOSPC, "ENOSPC",
            LibC.EOPNOTSUPP, "EOPNOTSUPP",
            9, "EBADF",
            13, "EACCES",
            1, "EPERM",
            30, "EROFS");

    private Syscalls() {}

    public static LibC libc() {
        return LIBC;
    }

    /** errno of the last {@link LibC} call on this thread. */
    public static int lastErrno() {
        return RUNTIME.getLastError();
    }

    /** "EOPNOTSUPP (Operation not supported)"; unknown numbers as "errno 42 (...)". */
    public static String describeErrno(int errno) {
        String name = ERRNO_NAMES.getOrDefault(errno, "errno " + errno);
        return name + " (" + LIBC.strerror(errno) + ")";
    }

    public static ErrnoException failure(String call, Path path, int errno) {
        return new ErrnoException(call + " on " + path + " failed: " + describeErrno(errno), errno);
    }

    /**
     * The int file descriptor inside a {@link FileDescriptor}. The JDK hides it; reading the private
     * field needs {@code --add-opens=java.base/java.io=ALL-UNNAMED}, which our launchers and surefire pass.
     */
    public static int rawFd(FileDescriptor descriptor) throws IOException {
        Field field = FdField.FIELD;
        if (field == null) {
            throw new IOException("cannot reach the native file descriptor: the JVM was started without "
                    + "--add-opens=java.base/java.io=ALL-UNNAMED (" + FdField.PROBLEM + "). Start it through "
                    + "the project's launchers, which pass the flags in tools/bin/jvm-flags.");
        }
        try {
            int fd = field.getInt(descriptor);
            if (fd < 0) {
                throw new IOException("file descriptor is closed");
            }
            return fd;
        } catch (IllegalAccessException e) {
            throw new IOException("cannot read FileDescriptor.fd", e);
        }
    }

    /** Lazily made accessible, once; a missing JVM flag is reported on use, not at class load. */
    private static final class FdField {
        static final Field FIELD;
        static final String PROBLEM;

        static {
            Field field = null;
            String problem = null;
            try {
                field = FileDescriptor.class.getDeclaredField("fd");
                field.setAccessible(true);
            } catch (ReflectiveOperationException | RuntimeException e) {
                field = null;
                problem = e.toString();
            }
            FIELD = field;
            PROBLEM = problem;
        }
    }

    /** A failed libc call; {@link #errno()} lets callers map e.g. ENOSPC to the matching NBD error. */
    public static final class ErrnoException extends IOException {
        private final int errno;

        public ErrnoException(String message, int errno) {
            super(message);
            this.errno = errno;
        }

        public int errno() {
            return errno;
        }
    }
}
