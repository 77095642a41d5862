package io.replicator.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Random;

/** Local files as volumes and as reference data: create, fill, compare, checksum. */
public final class Volumes {

    public static final long KIB = 1024;
    public static final long MIB = 1024 * KIB;

    private static final int CHUNK_BYTES = (int) MIB;

    private Volumes() {}

    /** "64M", "1G", "4096" to bytes (binary units, as the server's {@code --size}). */
    public static long parseSize(String text) {
        String t = text.trim().toUpperCase(Locale.ROOT);
        int shift = switch (t.charAt(t.length() - 1)) {
            case 'K' -> 10;
            case 'M' -> 20;
            case 'G' -> 30;
            default -> 0;
        };
        return Long.parseLong(shift == 0 ? t : t.substring(0, t.length() - 1)) << shift;
    }

    /** Creates (or resizes) a sparse file of {@code sizeBytes}. */
    public static Path createSparse(Path path, long sizeBytes) {
        try (RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw")) {
            file.setLength(sizeBytes);
            return path;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes {@code length} pseudo-random bytes from {@code seed} at {@code offset}. */
    public static void writeRandom(Path path, long offset, long length, long seed) {
        Random random = new Random(seed);
        byte[] buffer = new byte[CHUNK_BYTES];
        try (RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw")) {
            file.seek(offset);
            for (long done = 0; done < length; ) {
                int n = (int) Math.min(buffer.length, length - done);
                random.nextBytes(buffer);
                file.write(buffer, 0, n);
                done += n;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Asserts that the two files have the same length and bytes, naming the first differing offset. */
    public static void assertSameContent(Path expected, Path actual) {
        try (InputStream a = Files.newInputStream(expected); InputStream b = Files.newInputStream(actual)) {
            assertEquals(Files.size(expected), Files.size(actual), "size of " + actual + " vs " + expected);
            byte[] x = new byte[CHUNK_BYTES];
            byte[] y = new byte[CHUNK_BYTES];
            for (long offset = 0; ; ) {
                int n = a.readNBytes(x, 0, CHUNK_BYTES);
                int m = b.readNBytes(y, 0, CHUNK_BYTES);
                assertEquals(n, m, "short read at " + offset);
                if (n == 0) {
                    return;
                }
                int mismatch = Arrays.mismatch(x, 0, n, y, 0, n);
                if (mismatch >= 0) {
                    fail(actual + " differs from " + expected + " at byte " + (offset + mismatch));
                }
                offset += n;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Asserts that every byte of [offset, offset+length) in {@code path} equals {@code value}. */
    public static void assertFilled(Path path, long offset, long length, int value) {
        byte[] buffer = new byte[CHUNK_BYTES];
        try (RandomAccessFile file = new RandomAccessFile(path.toFile(), "r")) {
            file.seek(offset);
            for (long done = 0; done < length; ) {
                int n = (int) Math.min(buffer.length, length - done);
                file.readFully(buffer, 0, n);
                for (int i = 0; i < n; i++) {
                    if (buffer[i] != (byte) value) {
                        fail(String.format("%s: byte at %d is 0x%02x, expected 0x%02x",
                                path, offset + done + i, buffer[i] & 0xff, value & 0xff));
                    }
                }
                done += n;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** SHA-256 of a whole file, in hex. */
    public static String sha256(Path path) {
        try (InputStream in = Files.newInputStream(path)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[CHUNK_BYTES];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
