package io.replicator.e2e.pair;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * What most two-node tests share: a temporary directory, the pair a test starts there (closed after
 * each test, whatever happened), and the daemons' logs printed when a test fails.
 */
@ExtendWith(PairLogOnFailure.class)
abstract class PairTestBase {

    @TempDir
    Path dir;
    PairProcesses pair;

    @AfterEach
    void closePair() {
        if (pair != null) {
            pair.close();
        }
    }
}
