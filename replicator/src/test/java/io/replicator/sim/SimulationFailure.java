package io.replicator.sim;

/** A broken invariant (or an unexpected exception from the core) in one seeded run. */
final class SimulationFailure extends AssertionError {
    SimulationFailure(String message) {
        super(message);
    }

    SimulationFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
