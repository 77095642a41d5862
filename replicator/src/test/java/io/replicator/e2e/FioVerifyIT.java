package io.replicator.e2e;

import static io.replicator.e2e.Volumes.MIB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** fio's nbd engine: random 4 KiB writes at queue depth 16 with crc32c verification, then a verify-only pass. */
@ExtendWith(ServerLogOnFailure.class)
class FioVerifyIT {

    private static final long JOB_SIZE_BYTES = 64 * MIB;

    @TempDir
    Path dir;
    NbdServerProcess server;

    @BeforeEach
    void startServer() {
        ExternalTool.require("fio");
        server = NbdServerProcess.start(dir, "--volume", dir.resolve("vol.img").toString(), "--size", "128M");
    }

    @AfterEach
    void closeServer() {
        server.close();
    }

    /** Runs the job; returns fio's exit code and its JSON report (written with --output: stdout has a stray line). */
    private Map.Entry<ExternalTool.Result, Object> fio(String name, String... extra) {
        Path report = dir.resolve(name + ".json");
        List<String> command = new ArrayList<>(List.of("fio", "--name=" + name, "--ioengine=nbd",
                "--uri=" + server.uri(), "--rw=randwrite", "--bs=4k", "--iodepth=16", "--size=64m",
                "--verify=crc32c", "--randseed=1234", "--output-format=json", "--output=" + report,
                "--verify_state_save=0")); // else fio leaves *-verify.state files in the working directory
        command.addAll(List.of(extra));
        ExternalTool.Result result = ExternalTool.run(ExternalTool.LONG, Map.of(), command);
        try {
            String json = Files.exists(report) ? Files.readString(report) : "";
            // fio may print its own errors before the JSON document in the same file.
            int start = json.indexOf('{');
            return Map.entry(result, start < 0 ? Map.of() : Json.parse(json.substring(start)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void randomWritesVerifyAndReadBackInASecondPass() {
        var write = fio("write");
        write.getKey().assertSuccess();
        assertEquals(0, Json.longAt(write.getValue(), "jobs", 0, "error"), write.getKey().describe());
        assertEquals(JOB_SIZE_BYTES, Json.longAt(write.getValue(), "jobs", 0, "write", "io_bytes"));
        assertEquals(JOB_SIZE_BYTES, Json.longAt(write.getValue(), "jobs", 0, "read", "io_bytes"), "verify read everything");

        var verify = fio("verify", "--verify_only=1");
        verify.getKey().assertSuccess();
        assertEquals(0, Json.longAt(verify.getValue(), "jobs", 0, "error"), verify.getKey().describe());
        assertEquals(JOB_SIZE_BYTES, Json.longAt(verify.getValue(), "jobs", 0, "read", "io_bytes"), "verify-only pass read everything");

        // The check must be able to fail: zero the first MiB and the same verify-only pass must report it.
        ExternalTool.runOk(ExternalTool.SHORT, "qemu-io", "-f", "raw", "-c", "write -z 0 1M", server.uri());
        var broken = fio("broken", "--verify_only=1");
        assertNotEquals(0, broken.getKey().exitCode(), "verify after zeroing 1 MiB should fail: " + broken.getKey().describe());
    }
}
