package io.replicator.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Config file texts for tests: a minimal valid file (relative paths) that tests edit one line at a time. */
final class ConfigFiles {
    static final String MINIMAL = """
            resource: r0
            secret-file: r0.secret
            size: 1GiB
            nodes:
              alpha:
                replication: 127.0.0.1:7789
                nbd: 127.0.0.1:10809
                disk: alpha.img
                state-dir: alpha
                control: alpha.sock
              beta:
                replication: 127.0.0.1:7790
                nbd: 127.0.0.1:10810
                disk: beta.img
                state-dir: beta
                control: beta.sock
            """;

    private ConfigFiles() {}

    static Path write(Path dir, String text) {
        try {
            return Files.writeString(dir.resolve("r0.yaml"), text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** MINIMAL with one exact fragment replaced; fails if the fragment is not there (a test that edits nothing proves nothing). */
    static String minimalWith(String fragment, String replacement) {
        if (!MINIMAL.contains(fragment)) {
            throw new IllegalArgumentException("not in the minimal file: " + fragment);
        }
        return MINIMAL.replace(fragment, replacement);
    }
}
