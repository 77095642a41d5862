package io.replicator.e2e.pair;

import java.util.Objects;

/**
 * What a test pair's resource file says besides the addresses and paths the harness picks. Null means
 * "leave the key out" (the daemon's default). {@code extraYaml} is appended at the top level as written,
 * for sections this record does not cover (e.g. {@code nbd:}).
 *
 * <p>{@code netYaml}: lines added to the {@code net:} section (compression, TLS).
 *
 * <p>{@code otherSecretOn}: that node gets its own copy of the file naming a different secret (the
 * wrong-secret test); null for the usual pair, where both nodes read one identical file.
 */
public record PairSettings(
        String protocol,
        String size,
        String journalMaxSize,
        String syncMaxRate,
        String pingInterval,
        String pingTimeout,
        String connectInterval,
        String extraYaml,
        String otherSecretOn,
        String netYaml) {

    /** Protocol C, 64 MiB, quick pings and reconnects so that the tests do not wait on defaults. */
    public static PairSettings defaults() {
        return new PairSettings("C", "64MiB", null, null, "500ms", "3s", "250ms", "", null, "");
    }

    public PairSettings protocol(String value) {
        return new PairSettings(value, size, journalMaxSize, syncMaxRate, pingInterval, pingTimeout, connectInterval, extraYaml, otherSecretOn, netYaml);
    }

    public PairSettings size(String value) {
        return new PairSettings(protocol, value, journalMaxSize, syncMaxRate, pingInterval, pingTimeout, connectInterval, extraYaml, otherSecretOn, netYaml);
    }

    public PairSettings journalMaxSize(String value) {
        return new PairSettings(protocol, size, value, syncMaxRate, pingInterval, pingTimeout, connectInterval, extraYaml, otherSecretOn, netYaml);
    }

    public PairSettings syncMaxRate(String value) {
        return new PairSettings(protocol, size, journalMaxSize, value, pingInterval, pingTimeout, connectInterval, extraYaml, otherSecretOn, netYaml);
    }

    public PairSettings pings(String interval, String timeout) {
        return new PairSettings(protocol, size, journalMaxSize, syncMaxRate, interval, timeout, connectInterval, extraYaml, otherSecretOn, netYaml);
    }

    public PairSettings extraYaml(String value) {
        return new PairSettings(protocol, size, journalMaxSize, syncMaxRate, pingInterval, pingTimeout, connectInterval,
                Objects.requireNonNull(value), otherSecretOn, netYaml);
    }

    /** Lines appended, as written (indented by two spaces), to the {@code net:} section. */
    public PairSettings netYaml(String value) {
        return new PairSettings(protocol, size, journalMaxSize, syncMaxRate, pingInterval, pingTimeout, connectInterval, extraYaml,
                otherSecretOn, Objects.requireNonNull(value));
    }

    public PairSettings otherSecretOn(String node) {
        return new PairSettings(protocol, size, journalMaxSize, syncMaxRate, pingInterval, pingTimeout, connectInterval, extraYaml, node, netYaml);
    }
}
