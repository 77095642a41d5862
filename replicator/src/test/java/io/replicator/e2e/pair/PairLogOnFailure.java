package io.replicator.e2e.pair;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * When a test fails, prints the log of every daemon it started (all runs of each): a client's error
 * alone rarely says why. Register with {@code @ExtendWith(PairLogOnFailure.class)}.
 */
public final class PairLogOnFailure implements BeforeEachCallback, AfterTestExecutionCallback {

    private static final List<DaemonNode> OF_CURRENT_TEST = new CopyOnWriteArrayList<>();

    static void register(DaemonNode node) {
        OF_CURRENT_TEST.add(node);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        OF_CURRENT_TEST.clear();
    }

    @Override
    public void afterTestExecution(ExtensionContext context) {
        if (context.getExecutionException().isPresent()) {
            for (DaemonNode node : OF_CURRENT_TEST) {
                System.err.println("=== " + context.getDisplayName() + ": log of " + node + " ===\n" + node.log());
            }
        }
        OF_CURRENT_TEST.clear();
    }
}
