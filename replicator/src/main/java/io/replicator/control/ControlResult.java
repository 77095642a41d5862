package io.replicator.control;

/**
 * The answer to a control command: {@code done} or refused, with the reason (or what was done) for
 * the operator. replctl exits 0 when done, 1 when refused.
 */
public record ControlResult(boolean done, String message) {

    public static ControlResult done(String message) {
        return new ControlResult(true, message);
    }

    public static ControlResult refused(String reason) {
        return new ControlResult(false, reason);
    }
}
