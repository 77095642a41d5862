package io.replicator.e2e.pair;

import static org.junit.jupiter.api.Assertions.assertFalse;

import io.replicator.e2e.ExternalTool;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** qemu-io commands against a node's export; fails the test if qemu-io fails or reports a failed command. */
final class QemuIo {
    private QemuIo() {
    }

    static void run(DaemonNode node, String... commands) {
        List<String> command = new ArrayList<>(List.of("qemu-io", "-f", "raw"));
        for (String c : commands) {
            command.add("-c");
            command.add(c);
        }
        command.add(node.nbdUri());
        ExternalTool.Result result = ExternalTool.run(ExternalTool.LONG, Map.of(), command).assertSuccess();
        assertFalse(result.stdout().contains("failed") || result.stderr().contains("failed"), result.describe());
    }
}
