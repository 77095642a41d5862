package io.replicator.core;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * Persists {@link Metadata} atomically (write a new file, fsync it, rename it over the old one, fsync
 * the directory) with a CRC32C over the content, checked on load: a torn or edited file is refused
 * rather than trusted.
 */
public final class MetadataStore implements ReplicaCore.MetadataPort {
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private final Path file;

    public MetadataStore(Path stateDir) {
        this.file = stateDir.resolve("metadata.json");
    }

    public Path file() {
        return file;
    }

    /** @return null if there is no metadata yet (a node that never ran) */
    public Metadata load() throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return null;
        }
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (IOException e) {
            throw new IOException(file + ": not valid metadata JSON: " + e.getMessage(), e);
        }
        if (!(root instanceof ObjectNode object) || !root.has("crc32c") || !root.has("metadata")) {
            throw new IOException(file + ": not a metadata file (expected fields crc32c and metadata)");
        }
        String content = object.get("metadata").toString();
        long expected = object.get("crc32c").asLong(-1);
        if (crc(content) != expected) {
            throw new IOException(file + ": checksum mismatch (the file is damaged or was edited by hand)");
        }
        Metadata m = JSON.treeToValue(object.get("metadata"), Metadata.class);
        if (m.disk() == null || m.disk() == DiskState.DUnknown || m.disk() == DiskState.Diskless || m.generations() == null) {
            throw new IOException(file + ": disk state " + m.disk() + " cannot be resumed");
        }
        return m;
    }

    @Override
    public void store(Metadata metadata) throws IOException {
        String content = JSON.writeValueAsString(metadata);
        ObjectNode root = JSON.createObjectNode();
        root.put("crc32c", crc(JSON.readTree(content).toString()));
        root.set("metadata", JSON.readTree(content));
        byte[] bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
        Path tmp = file.resolveSibling(file.getFileName() + ".new");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException(file.getParent() + ": the file system cannot rename atomically", e);
        }
        try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
            dir.force(true);
        }
    }

    private static long crc(String canonical) {
        CRC32C crc = new CRC32C();
        crc.update(canonical.getBytes(StandardCharsets.UTF_8));
        return crc.getValue();
    }
}
