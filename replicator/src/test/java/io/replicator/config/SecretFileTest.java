package io.replicator.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SecretFileTest {
    @TempDir
    Path dir;
    private Path configFile;
    private Path secret;
    private ResourceConfig config;

    @BeforeEach
    void load() throws Exception {
        configFile = ConfigFiles.write(dir, ConfigFiles.MINIMAL);
        secret = dir.resolve("r0.secret");
        config = ResourceConfig.load(configFile);
    }

    private void writeSecret(String content, String permissions) throws Exception {
        Files.writeString(secret, content);
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString(permissions));
    }

    private void assertRefused(String reason) {
        ConfigException e = assertThrows(ConfigException.class, config::readSecret);
        assertEquals(configFile + ": secret-file: " + reason, e.getMessage());
    }

    @Test
    void goodSecretWithoutTrailingNewlines() throws Exception {
        writeSecret("c2VjcmV0IHNlY3JldCBzZWNyZXQ=\r\n\n", "rw-------");

        assertArrayEquals("c2VjcmV0IHNlY3JldCBzZWNyZXQ=".getBytes(StandardCharsets.US_ASCII), config.readSecret());
    }

    @Test
    void innerNewlinesAreKept() throws Exception {
        writeSecret("0123456789\nabcdef\n", "r--------");

        assertArrayEquals("0123456789\nabcdef".getBytes(StandardCharsets.US_ASCII), config.readSecret());
    }

    @Test
    void missing() {
        assertRefused(secret + " does not exist (create it with the same content on both nodes, e.g. head -c 32"
                + " /dev/urandom | base64 > " + secret + "; chmod 600 " + secret + ")");
    }

    @Test
    void empty() throws Exception {
        writeSecret("\n", "rw-------");

        assertRefused(secret + " is empty (expected: at least 16 bytes, the same on both nodes)");
    }

    @Test
    void tooShort() throws Exception {
        writeSecret("fifteen bytes..\n", "rw-------");

        assertRefused(secret + " holds 15 bytes (expected: at least 16, e.g. head -c 32 /dev/urandom | base64)");
    }

    @Test
    void tooLarge() throws Exception {
        writeSecret("x".repeat(SecretFile.MAX_BYTES + 1), "rw-------");

        assertRefused(secret + " is larger than 64KiB (expected: a short secret, e.g. 32 random bytes in base64)");
    }

    @ParameterizedTest
    @CsvSource({"rw-r--r--, 0644", "rw-r-----, 0640", "rw--w----, 0620", "rw------x, 0601"})
    void refusedWhenGroupOrOthersHaveAccess(String permissions, String mode) throws Exception {
        writeSecret("0123456789abcdef0123456789abcdef", permissions);

        assertRefused(secret + " is accessible by group or others (mode " + mode + "; run chmod 600 " + secret + ")");
    }

    @Test
    void directory() throws Exception {
        Files.createDirectory(secret);

        assertRefused(secret + " is not a regular file (expected: a file holding the secret)");
    }
}
