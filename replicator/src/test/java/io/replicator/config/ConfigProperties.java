package io.replicator.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Properties over seeded random inputs (QuickTheories is not on this module's test classpath). A failure prints
 * the seed; rerun with -Dconfig.seed=SEED to reproduce it.
 */
class ConfigProperties {
    private static final long SEED = Long.getLong("config.seed", System.nanoTime());
    private static final List<String> YAML_PIECES = List.of(":", ": ", " ", "  ", "\n", "\n  ", "\n    ", "- ", "[", "]",
            "{", "}", ",", "\"", "'", "&a ", "*a", "!!str ", "!!binary ", "# ", "---\n", "...\n", "? ", "|", ">", "%YAML 1.1\n",
            "\t", "\\", "~", "null", "resource", "nodes", "alpha", "beta", "net", "size", "1GiB", "5s", "unix:", "127.0.0.1:",
            "\u0000", "\ufeff", "\u00e9", "\ud83d\ude00");

    @TempDir
    Path dir;

    @Test
    void sizesRoundTrip() {
        Random random = new Random(SEED);
        for (int i = 0; i < 100_000; i++) {
            long bytes = randomMagnitude(random);
            String text = Sizes.format(bytes);
            assertEquals(bytes, Sizes.parseNonNegative(text), () -> "seed " + SEED + ": " + text);
        }
    }

    @Test
    void durationsRoundTrip() {
        Random random = new Random(SEED);
        for (int i = 0; i < 100_000; i++) {
            Duration duration = Duration.ofMillis(randomMagnitude(random));
            String text = Durations.format(duration);
            assertEquals(duration, Durations.parse(text), () -> "seed " + SEED + ": " + text);
        }
    }

    @Test
    void sizeAndDurationParsersOnlyRefuseWithIllegalArgument() {
        Random random = new Random(SEED);
        for (int i = 0; i < 20_000; i++) {
            String text = randomText(random, List.of("0", "1", "9", "K", "M", "G", "T", "i", "B", "b", "ms", "s", "m",
                    "h", " ", "-", ".", "\u0660"), 8);
            try {
                Sizes.parseNonNegative(text);
            } catch (IllegalArgumentException expected) {
                // refused with a message: fine
            }
            try {
                Durations.parse(text);
            } catch (IllegalArgumentException expected) {
                // refused with a message: fine
            }
        }
    }

    @Test
    void garbageFilesOnlyFailWithConfigException() throws IOException {
        Random random = new Random(SEED);
        for (int i = 0; i < 1_000; i++) {
            String text = randomText(random, YAML_PIECES, 40);
            loadExpectingOnlyConfigException(text.getBytes(StandardCharsets.UTF_8));
        }
        for (int i = 0; i < 200; i++) {
            byte[] bytes = new byte[random.nextInt(200)];
            random.nextBytes(bytes);
            loadExpectingOnlyConfigException(bytes);
        }
    }

    /** Small edits of a valid file reach the validation of every key, not only the YAML parser. */
    @Test
    void mutatedValidFilesOnlyFailWithConfigException() throws IOException {
        Random random = new Random(SEED);
        byte[] valid = ConfigFiles.MINIMAL.concat("""
                net:
                  ping-interval: 1s
                  tls-cert: a
                  tls-key: b
                  tls-ca: c
                  max-buffer: 1MiB
                journal:
                  max-age: 2h
                sync:
                  max-rate: 0
                nbd:
                  export: x
                  min-block-size: 4096
                  io-threads: 16
                """).getBytes(StandardCharsets.UTF_8);
        int loaded = 0;
        int refusedAtAKey = 0;
        for (int i = 0; i < 1_500; i++) {
            StringBuilder text = new StringBuilder(new String(valid, StandardCharsets.UTF_8));
            for (int edits = 1 + random.nextInt(3); edits > 0; edits--) {
                int at = random.nextInt(text.length());
                switch (random.nextInt(3)) {
                    case 0 -> text.deleteCharAt(at);
                    case 1 -> text.insert(at, YAML_PIECES.get(random.nextInt(YAML_PIECES.size())));
                    default -> text.setCharAt(at, (char) (' ' + random.nextInt(95)));
                }
            }
            String message = loadExpectingOnlyConfigException(text.toString().getBytes(StandardCharsets.UTF_8));
            loaded += message == null ? 1 : 0;
            refusedAtAKey += message != null && !message.contains("YAML syntax error") ? 1 : 0;
        }
        // the edits must reach the validation of keys, or this property tests only the YAML parser
        if (loaded == 0 || refusedAtAKey == 0) {
            fail("seed " + SEED + ": " + loaded + " files loaded and " + refusedAtAKey + " were refused at a key");
        }
    }

    /** The ConfigException's message, or null if the file loaded. */
    private String loadExpectingOnlyConfigException(byte[] content) throws IOException {
        Path file = Files.write(dir.resolve("r0.yaml"), content);
        try {
            ResourceConfig.load(file);
            return null;
        } catch (ConfigException e) {
            if (!e.getMessage().startsWith(file + ": ")) {
                fail("seed " + SEED + ": the message does not name the file: " + e.getMessage());
            }
            return e.getMessage();
        } catch (RuntimeException | Error e) {
            throw new AssertionError("seed " + SEED + ": " + e + " for:\n" + new String(content, StandardCharsets.UTF_8), e);
        }
    }

    /** Mostly small numbers and exact multiples of units, sometimes anything up to Long.MAX_VALUE. */
    private static long randomMagnitude(Random random) {
        return switch (random.nextInt(4)) {
            case 0 -> random.nextInt(100_000);
            case 1 -> (long) random.nextInt(1 << 20) << (10 * random.nextInt(5));
            case 2 -> (random.nextLong() & Long.MAX_VALUE) >>> random.nextInt(63);
            default -> random.nextLong() & Long.MAX_VALUE;
        };
    }

    private static String randomText(Random random, List<String> pieces, int maxPieces) {
        StringBuilder text = new StringBuilder();
        for (int n = random.nextInt(maxPieces + 1); n > 0; n--) {
            text.append(random.nextInt(8) == 0 ? String.valueOf((char) random.nextInt(0x3000)) : pieces.get(random.nextInt(pieces.size())));
        }
        return text.toString();
    }
}
