package io.replicator.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetadataStoreTest {
    @TempDir
    Path dir;

    private final Metadata sample = new Metadata("r0", 1 << 30, DiskState.UpToDate, false,
            List.of(new Generation(0x1234_5678_9abc_def0L, 101), new Generation(-7, 1)), -7, true, 150, 99, 140, "boot-1", true,
            List.of(3L, 9L, 1L << 33));

    @Test
    void roundTrips() throws IOException {
        MetadataStore store = new MetadataStore(dir);
        assertNull(store.load(), "no metadata yet");
        store.store(sample);
        assertEquals(sample, store.load());
        store.store(sample.withDisk(DiskState.Inconsistent));
        assertEquals(DiskState.Inconsistent, new MetadataStore(dir).load().disk());
        assertTrue(Files.notExists(dir.resolve("metadata.json.new")), "the temporary file is renamed over the old one");
    }

    @Test
    void anEditedFileIsRefused() throws IOException {
        MetadataStore store = new MetadataStore(dir);
        store.store(sample);
        Path file = dir.resolve("metadata.json");
        Files.writeString(file, Files.readString(file).replace("\"checkpointSeq\" : 150", "\"checkpointSeq\" : 151"));
        IOException e = assertThrows(IOException.class, store::load);
        assertTrue(e.getMessage().contains("checksum mismatch"), e.getMessage());
    }

    @Test
    void aTornFileIsRefused() throws IOException {
        MetadataStore store = new MetadataStore(dir);
        store.store(sample);
        Path file = dir.resolve("metadata.json");
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        IOException e = assertThrows(IOException.class, store::load);
        assertTrue(e.getMessage().contains("not valid metadata JSON"), e.getMessage());
    }

    @Test
    void aForeignFileIsRefused() throws IOException {
        Files.writeString(dir.resolve("metadata.json"), "{\"hello\": 1}");
        IOException e = assertThrows(IOException.class, new MetadataStore(dir)::load);
        assertTrue(e.getMessage().contains("not a metadata file"), e.getMessage());
    }

    @Test
    void keepsAtMostTheNewestGenerations() {
        List<Generation> many = new java.util.ArrayList<>();
        for (int i = 0; i < Metadata.MAX_GENERATIONS + 5; i++) {
            many.add(new Generation(i, i + 1));
        }
        Metadata m = sample.withGenerations(many, false);
        assertEquals(Metadata.MAX_GENERATIONS, m.generations().size());
        assertEquals(0, m.generations().get(0).uuid(), "newest first, oldest dropped");
    }
}
