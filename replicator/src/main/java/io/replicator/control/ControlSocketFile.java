package io.replicator.control;

import io.replicator.nbd.server.Log;
import java.io.IOException;
import java.net.ConnectException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;

/** The control socket's file: removed at start only when stale, owner-only once bound. */
final class ControlSocketFile {
    private static final Log LOG = new Log("control");
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    private ControlSocketFile() {}

    /**
     * Makes room to bind {@code socket}: nothing there is fine; a socket nobody answers on is left
     * over from a crashed daemon and is removed; a socket that answers belongs to a live daemon and
     * is an error, as is any file that is not a socket (we never delete an operator's file).
     */
    static void removeIfStale(Path socket) throws IOException {
        if (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        int mode = (Integer) Files.getAttribute(socket, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        if ((mode & S_IFMT) != S_IFSOCK) {
            throw new IOException("control socket path " + socket
                    + " exists and is not a socket: remove it, or set another control path in the configuration");
        }
        if (answers(socket)) {
            throw new IOException("another daemon is listening on " + socket
                    + ": stop it first (replctl status shows which resource it serves), or give this node another control path");
        }
        Files.delete(socket);
        LOG.info("removed stale control socket " + socket + " (no daemon answered on it)");
    }

    private static boolean answers(Path socket) throws IOException {
        try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            return probe.isConnected();
        } catch (ConnectException refused) {
            return false;
        } catch (IOException e) {
            throw new IOException("cannot tell whether a daemon listens on " + socket + ": " + e.getMessage(), e);
        }
    }

    /** Owner read and write only: with the peer check, only root and the daemon's user get in. */
    static void restrictToOwner(Path socket) throws IOException {
        Files.setPosixFilePermissions(socket, EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
    }
}
