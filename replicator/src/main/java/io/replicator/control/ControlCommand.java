package io.replicator.control;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The verbs of the control socket; the wire name is the constant's name (as replctl spells it). */
public enum ControlCommand {
    status,
    promote,
    demote,
    connect,
    disconnect,
    verify,
    invalidate,
    outdate;

    public static final String NAMES = Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", "));

    /** The command named {@code name}, or an IllegalArgumentException naming the known ones. */
    public static ControlCommand parse(String name) {
        for (ControlCommand c : values()) {
            if (c.name().equals(name)) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown command '" + ControlJson.printable(name) + "' (expected: " + NAMES + ")");
    }

    /**
     * Runs this command against the daemon. {@code force} is {@code promote --force}, {@code demote --force}
     * and {@code connect --discard-my-data} (the operator overriding a safety check), and {@code verify --repair};
     * others ignore it.
     */
    ControlResult applyTo(ReplicaControl control, boolean force) {
        return switch (this) {
            case status -> ControlResult.done("status");
            case promote -> control.promote(force);
            case demote -> control.demote(force);
            case connect -> control.connect(force);
            case disconnect -> control.disconnect();
            case verify -> control.verify(force);
            case invalidate -> control.invalidate();
            case outdate -> control.outdate();
        };
    }
}
