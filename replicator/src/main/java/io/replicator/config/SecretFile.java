package io.replicator.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Arrays;
import java.util.Set;

/** The shared secret both nodes prove on connect: a private file of at least 16 bytes. */
final class SecretFile {
    static final int MIN_BYTES = 16;
    static final int MAX_BYTES = 64 << 10;
    private static final String KEY = "secret-file";

    private SecretFile() {}

    /** The whole file without trailing newlines; refuses a file that group or others can access. */
    static byte[] read(Path configFile, Path secret) throws ConfigException {
        if (!Files.exists(secret)) {
            throw ConfigException.at(configFile, KEY, secret + " does not exist (create it with the same content on "
                    + "both nodes, e.g. head -c 32 /dev/urandom | base64 > " + secret + "; chmod 600 " + secret + ")");
        }
        if (!Files.isRegularFile(secret)) {
            throw ConfigException.at(configFile, KEY, secret + " is not a regular file (expected: a file holding the secret)");
        }
        int mode = mode(configFile, secret);
        if ((mode & 077) != 0) {
            throw ConfigException.at(configFile, KEY, secret + " is accessible by group or others (mode "
                    + String.format("%04o", mode) + "; run chmod 600 " + secret + ")");
        }
        byte[] bytes = readBounded(configFile, secret);
        int length = bytes.length;
        while (length > 0 && (bytes[length - 1] == '\n' || bytes[length - 1] == '\r')) {
            length--;
        }
        if (length == 0) {
            throw ConfigException.at(configFile, KEY, secret + " is empty (expected: at least " + MIN_BYTES
                    + " bytes, the same on both nodes)");
        }
        if (length < MIN_BYTES) {
            throw ConfigException.at(configFile, KEY, secret + " holds " + length + " bytes (expected: at least "
                    + MIN_BYTES + ", e.g. head -c 32 /dev/urandom | base64)");
        }
        return Arrays.copyOf(bytes, length);
    }

    private static int mode(Path configFile, Path secret) throws ConfigException {
        Set<PosixFilePermission> permissions;
        try {
            permissions = Files.getPosixFilePermissions(secret);
        } catch (IOException | UnsupportedOperationException e) {
            throw ConfigException.at(configFile, KEY, "cannot check the permissions of " + secret + ": " + e);
        }
        int mode = 0;
        for (PosixFilePermission permission : permissions) {
            // the enum runs OWNER_READ .. OTHERS_EXECUTE, i.e. from bit 8 down to bit 0
            mode |= 1 << (8 - permission.ordinal());
        }
        return mode;
    }

    private static byte[] readBounded(Path configFile, Path secret) throws ConfigException {
        try (InputStream in = Files.newInputStream(secret)) {
            byte[] bytes = in.readNBytes(MAX_BYTES + 1);
            if (bytes.length > MAX_BYTES) {
                throw ConfigException.at(configFile, KEY, secret + " is larger than " + Sizes.format(MAX_BYTES)
                        + " (expected: a short secret, e.g. 32 random bytes in base64)");
            }
            return bytes;
        } catch (AccessDeniedException e) {
            throw ConfigException.at(configFile, KEY, "cannot read " + secret
                    + ": permission denied (the daemon's user must own it)");
        } catch (IOException e) {
            throw ConfigException.at(configFile, KEY, "cannot read " + secret + ": " + e.getMessage());
        }
    }
}
