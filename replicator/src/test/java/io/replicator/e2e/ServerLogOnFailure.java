package io.replicator.e2e;

import java.util.LinkedHashSet;
import java.util.Set;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * When a test fails, prints the log of every server it started and of every server still open
 * (such as one shared by the class): a client's error alone rarely says why. Register with
 * {@code @ExtendWith(ServerLogOnFailure.class)}.
 */
public final class ServerLogOnFailure implements BeforeEachCallback, AfterTestExecutionCallback {

    @Override
    public void beforeEach(ExtensionContext context) {
        NbdServerProcess.OF_CURRENT_TEST.clear();
    }

    @Override
    public void afterTestExecution(ExtensionContext context) {
        if (context.getExecutionException().isPresent()) {
            Set<NbdServerProcess> servers = new LinkedHashSet<>(NbdServerProcess.OPEN);
            servers.addAll(NbdServerProcess.OF_CURRENT_TEST);
            for (NbdServerProcess server : servers) {
                System.err.println("=== " + context.getDisplayName() + ": log of " + server + " ===\n" + server.log());
            }
        }
        NbdServerProcess.OF_CURRENT_TEST.clear();
    }
}
