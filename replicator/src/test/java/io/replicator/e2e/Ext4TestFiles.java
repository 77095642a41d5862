package io.replicator.e2e;

import static io.replicator.e2e.Volumes.KIB;
import static io.replicator.e2e.Volumes.MIB;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The files the ext4 tests put on a mounted export (odd sizes, nested directories, seeded random
 * content) and their checksums, and the tools those tests need (a missing one is a failure).
 */
public final class Ext4TestFiles {

    /** Relative path to size. */
    private static final Map<String, Long> FILES = new LinkedHashMap<>();

    static {
        FILES.put("a.bin", 3 * MIB);
        FILES.put("b.bin", 5 * MIB + 123);
        FILES.put("dir/c.bin", 700 * KIB + 1);
        FILES.put("dir/deeper/small.txt", 7L);
    }

    private Ext4TestFiles() {}

    public static void requireTools() {
        for (String tool : new String[] {"mkfs.ext4", "e2fsck", "nbdfuse", "losetup", "fusermount3"}) {
            ExternalTool.require(tool);
        }
    }

    /** Writes every file under {@code mnt}, then {@code sync}; returns each file's SHA-256. */
    public static Map<String, String> writeAndSync(Path mnt, long seed) throws IOException {
        Map<String, String> written = new LinkedHashMap<>();
        long s = seed;
        for (Map.Entry<String, Long> file : FILES.entrySet()) {
            Path path = mnt.resolve(file.getKey());
            Files.createDirectories(path.getParent());
            Volumes.writeRandom(path, 0, file.getValue(), s++);
            written.put(file.getKey(), Volumes.sha256(path));
        }
        ExternalTool.runOk(ExternalTool.LONG, "sync");
        return written;
    }

    /** Each file's SHA-256 as read under {@code mnt} now. */
    public static Map<String, String> checksums(Path mnt) throws IOException {
        Map<String, String> read = new LinkedHashMap<>();
        for (String name : FILES.keySet()) {
            read.put(name, Volumes.sha256(mnt.resolve(name)));
        }
        return read;
    }
}
