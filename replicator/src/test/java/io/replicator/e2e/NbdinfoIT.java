package io.replicator.e2e;

import static io.replicator.e2e.Volumes.MIB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What a two-export server advertises, as nbdinfo sees it: list, flags, read-only, map, JSON. */
@ExtendWith(ServerLogOnFailure.class)
class NbdinfoIT {

    private static final long ALPHA_SIZE_BYTES = 64 * MIB;
    private static final long BETA_SIZE_BYTES = 32 * MIB;

    /** Shared by the tests that only ask; the one that writes starts its own. */
    @TempDir
    static Path dir;
    static NbdServerProcess server;

    @BeforeAll
    static void startServer() {
        ExternalTool.require("nbdinfo");
        Path beta = Volumes.createSparse(dir.resolve("beta.img"), BETA_SIZE_BYTES);
        Volumes.writeRandom(beta, 0, MIB, 7);
        server = NbdServerProcess.start(dir,
                "--volume", dir.resolve("alpha.img").toString(), "--size", "64M", "--export", "alpha",
                "--description", "Alpha disk",
                "--volume", beta.toString(), "--export", "beta", "--read-only", "--description", "Beta read-only");
    }

    @AfterEach
    void serverSurvived() {
        server.assertAlive();
    }

    @AfterAll
    static void closeServer() {
        if (server != null) {
            server.close();
        }
    }

    private Object json(String... args) {
        String[] argv = new String[args.length + 2];
        argv[0] = "nbdinfo";
        argv[1] = "--json";
        System.arraycopy(args, 0, argv, 2, args.length);
        ExternalTool.Result result = ExternalTool.runOk(ExternalTool.SHORT, argv);
        try {
            return Json.parse(result.stdout());
        } catch (IllegalArgumentException e) {
            throw new AssertionError("nbdinfo printed invalid JSON: " + e.getMessage() + "\n" + result.describe(), e);
        }
    }

    @Test
    void listShowsEveryExportWithItsDescriptionAndSize() {
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> exports = (List<Map<String, Object>>) Json.at(json("--list", server.uri("")), "exports");
        Map<Object, Map<String, Object>> byName = exports.stream()
                .collect(Collectors.toMap(e -> e.get("export-name"), e -> e));
        assertEquals(List.of("alpha", "beta"), byName.keySet().stream().sorted().toList(), "exports: " + exports);
        assertEquals("Alpha disk", byName.get("alpha").get("description"));
        assertEquals("Beta read-only", byName.get("beta").get("description"));
        assertEquals(ALPHA_SIZE_BYTES, Json.longAt(byName.get("alpha"), "export-size"));
        assertEquals(BETA_SIZE_BYTES, Json.longAt(byName.get("beta"), "export-size"));

        ExternalTool.Result text = ExternalTool.runOk(ExternalTool.SHORT, "nbdinfo", "--list", server.uri(""));
        assertTrue(text.stdout().contains("export=\"alpha\"") && text.stdout().contains("description: Alpha disk")
                && text.stdout().contains("export=\"beta\""), text.describe());
    }

    @ParameterizedTest
    @ValueSource(strings = {"flush", "fua", "trim", "zero", "fast-zero", "multi-conn", "cache", "df"})
    void writableExportAdvertises(String feature) {
        ExternalTool.run(ExternalTool.SHORT, "nbdinfo", "--can", feature, server.uri("alpha")).assertExit(0);
    }

    @Test
    void onlyTheReadOnlyExportIsReadOnly() {
        ExternalTool.run(ExternalTool.SHORT, "nbdinfo", "--is", "read-only", server.uri("beta")).assertExit(0);
        ExternalTool.run(ExternalTool.SHORT, "nbdinfo", "--is", "read-only", server.uri("alpha")).assertExit(2);
    }

    @Test
    void jsonHasTheSizeAndFlags() {
        Object alpha = json(server.uri("alpha"));
        assertEquals(ALPHA_SIZE_BYTES, Json.longAt(alpha, "exports", 0, "export-size"));
        assertEquals(Boolean.FALSE, Json.at(alpha, "exports", 0, "is_read_only"));
        assertEquals(Boolean.TRUE, Json.at(alpha, "exports", 0, "can_multi_conn"));
        assertTrue(((List<?>) Json.at(alpha, "exports", 0, "contexts")).contains("base:allocation"), alpha.toString());
        assertEquals(Boolean.TRUE, Json.at(json(server.uri("beta")), "exports", 0, "is_read_only"));
    }

    @Test
    void emptyExportNameMeansTheFirstExport() {
        assertEquals(ALPHA_SIZE_BYTES, Json.longAt(json(server.uri("")), "exports", 0, "export-size"));
    }

    @Test
    void unknownExportNameIsRefused() {
        ExternalTool.Result result = ExternalTool.run(ExternalTool.SHORT, "nbdinfo", server.uri("no-such-export"));
        assertTrue(result.exitCode() != 0, "nbdinfo on an unknown export should fail: " + result.describe());
    }

    @Test
    void mapShowsHolesOnAFreshVolumeAndDataAfterAWrite(@TempDir Path ownDir) {
        try (NbdServerProcess own = NbdServerProcess.start(ownDir,
                "--volume", ownDir.resolve("alpha.img").toString(), "--size", "64M", "--export", "alpha")) {
            checkMap(own);
        }
    }

    private void checkMap(NbdServerProcess own) {
        List<?> fresh = (List<?>) json("--map", own.uri("alpha"));
        long covered = 0;
        for (Object extent : fresh) {
            assertEquals(3, Json.longAt(extent, "type"), "a fresh sparse volume is all hole,zero: " + fresh);
            covered += Json.longAt(extent, "length");
        }
        assertEquals(ALPHA_SIZE_BYTES, covered, "extents cover the export: " + fresh);

        ExternalTool.runOk(ExternalTool.SHORT, "qemu-io", "-f", "raw", "-c", "write -P 0x42 0 1M", own.uri("alpha"));
        List<?> written = (List<?>) json("--map", own.uri("alpha"));
        Object first = written.get(0);
        assertEquals(0, Json.longAt(first, "offset"), written.toString());
        assertEquals(0, Json.longAt(first, "type"), "written range is data: " + written);
        assertTrue(Json.longAt(first, "length") >= MIB, "data extent covers the write: " + written);
        assertEquals(3, typeAt(written, 32 * MIB), "an unwritten range stays hole,zero: " + written);
    }

    private static long typeAt(List<?> extents, long offset) {
        for (Object extent : extents) {
            long start = Json.longAt(extent, "offset");
            if (start <= offset && offset < start + Json.longAt(extent, "length")) {
                return Json.longAt(extent, "type");
            }
        }
        throw new AssertionError("no extent covers " + offset + ": " + extents);
    }
}
