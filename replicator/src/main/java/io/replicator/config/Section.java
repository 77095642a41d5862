package io.replicator.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.replicator.nbd.server.ListenAddress;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One mapping of the file (the top level, {@code net}, {@code nodes.alpha}, ...) and the typed reads of its keys.
 * Every error names the file and the key's full path. A key written with no value counts as absent.
 */
final class Section {
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    static final String NAME_RULE = "1 to 64 of A-Z a-z 0-9 _ . -";

    private final Path file;
    private final Path baseDir;
    private final String path;
    private final ObjectNode mapping;

    Section(Path file, Path baseDir, String path, ObjectNode mapping) {
        this.file = file;
        this.baseDir = baseDir;
        this.path = path;
        this.mapping = mapping;
    }

    String key(String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    ConfigException error(String name, String reason) {
        return ConfigException.at(file, key(name), reason);
    }

    /** Refuses the first key (in file order) that is not in {@code known}. */
    void checkKnown(List<String> known) throws ConfigException {
        for (String name : names()) {
            if (!known.contains(name)) {
                throw error(name, "unknown key (known: " + String.join(", ", known) + ")");
            }
        }
    }

    List<String> names() {
        List<String> names = new ArrayList<>();
        for (Map.Entry<String, JsonNode> entry : mapping.properties()) {
            names.add(entry.getKey());
        }
        return names;
    }

    /** The mapping under {@code name}; absent or empty means an empty section (all defaults). */
    Section section(String name, String expected) throws ConfigException {
        JsonNode node = mapping.get(name);
        if (node == null || node.isNull()) {
            return new Section(file, baseDir, key(name), mapping.objectNode());
        }
        if (!node.isObject()) {
            throw error(name, (node.isArray() ? "a list" : describe(node) + " is not a mapping")
                    + " (expected: " + expected + ")");
        }
        return new Section(file, baseDir, key(name), (ObjectNode) node);
    }

    boolean has(String name) {
        JsonNode node = mapping.get(name);
        return node != null && !node.isNull();
    }

    /** The scalar text under {@code name}, empty if absent; a mapping or list is an error. */
    Optional<String> optional(String name, String expected) throws ConfigException {
        JsonNode node = mapping.get(name);
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (!node.isTextual()) {
            throw error(name, describe(node) + " (expected: " + expected + ")");
        }
        return Optional.of(node.textValue());
    }

    String required(String name, String expected) throws ConfigException {
        Optional<String> text = optional(name, expected);
        if (text.isEmpty()) {
            throw error(name, (mapping.has(name) ? "no value" : "missing") + " (expected: " + expected + ")");
        }
        return text.get();
    }

    String name(String name, String what) throws ConfigException {
        String text = required(name, what + ", " + NAME_RULE);
        if (!NAME.matcher(text).matches()) {
            throw error(name, "\"" + text + "\" is not a valid " + what + " (expected: " + NAME_RULE + ")");
        }
        return text;
    }

    Path requiredPath(String name, String expected) throws ConfigException {
        return resolve(name, required(name, expected));
    }

    Path optionalPath(String name, String expected) throws ConfigException {
        Optional<String> text = optional(name, expected);
        return text.isEmpty() ? null : resolve(name, text.get());
    }

    private Path resolve(String name, String text) throws ConfigException {
        if (text.isBlank()) {
            throw error(name, "empty path (expected: a path, absolute or relative to " + baseDir + ")");
        }
        try {
            return baseDir.resolve(text).normalize();
        } catch (InvalidPathException e) {
            throw error(name, "\"" + text + "\" is not a valid path: " + e.getReason());
        }
    }

    ListenAddress.Tcp tcp(String name, String text) throws ConfigException {
        String expected = "(expected: HOST:PORT with PORT 1-65535, e.g. 127.0.0.1:7789)";
        if (text.startsWith("unix:")) {
            throw error(name, "\"" + text + "\" is a Unix socket " + expected);
        }
        try {
            if (ListenAddress.parse(text) instanceof ListenAddress.Tcp tcp && tcp.port() > 0 && !tcp.host().isBlank()) {
                return tcp;
            }
        } catch (IllegalArgumentException e) {
            // the message below says what is expected
        }
        throw error(name, "\"" + text + "\" is not HOST:PORT " + expected);
    }

    /** HOST:PORT, or unix:PATH with PATH resolved like every other path. */
    ListenAddress listen(String name, String text) throws ConfigException {
        if (text.startsWith("unix:")) {
            String socket = text.substring("unix:".length());
            if (socket.isBlank()) {
                throw error(name, "\"" + text + "\" has an empty socket path (expected: unix:PATH)");
            }
            return new ListenAddress.Unix(resolve(name, socket));
        }
        return tcp(name, text);
    }

    long size(String name, long defaultBytes) throws ConfigException {
        Optional<String> text = optional(name, "a size such as 1GiB");
        try {
            return text.isEmpty() ? defaultBytes : Sizes.parse(text.get());
        } catch (IllegalArgumentException e) {
            throw error(name, e.getMessage());
        }
    }

    /** A size, a rate (an optional {@code /s} is allowed) or 0. */
    long rate(String name, long defaultBytes) throws ConfigException {
        Optional<String> text = optional(name, "bytes per second such as 100MiB, or 0");
        if (text.isEmpty()) {
            return defaultBytes;
        }
        String value = text.get().endsWith("/s") ? text.get().substring(0, text.get().length() - 2) : text.get();
        try {
            return Sizes.parseNonNegative(value);
        } catch (IllegalArgumentException e) {
            throw error(name, "\"" + text.get() + "\" is not a rate (expected e.g. 100MiB, 100MiB/s, or 0 for unlimited)");
        }
    }

    Duration duration(String name, Duration defaultValue, Duration max) throws ConfigException {
        Optional<String> text = optional(name, "a duration such as 5s");
        if (text.isEmpty()) {
            return defaultValue;
        }
        Duration value;
        try {
            value = Durations.parse(text.get());
        } catch (IllegalArgumentException e) {
            throw error(name, e.getMessage());
        }
        if (value.isZero() || value.compareTo(max) > 0) {
            throw error(name, text.get() + " is out of range (expected: more than 0, at most " + Durations.format(max) + ")");
        }
        return value;
    }

    int integer(String name, int defaultValue, int min, int max) throws ConfigException {
        Optional<String> text = optional(name, "an integer " + min + ".." + max);
        if (text.isEmpty()) {
            return defaultValue;
        }
        if (!text.get().matches("\\d{1,9}")) {
            throw error(name, "\"" + text.get() + "\" is not an integer (expected: " + min + ".." + max + ")");
        }
        int value = Integer.parseInt(text.get());
        if (value < min || value > max) {
            throw error(name, value + " is out of range (expected: " + min + ".." + max + ")");
        }
        return value;
    }

    <E extends Enum<E>> E choice(String name, Class<E> type, E defaultValue, String what) throws ConfigException {
        E[] values = type.getEnumConstants();
        List<String> words = new ArrayList<>();
        for (E value : values) {
            words.add(value.name().replace('_', '-'));
        }
        String expected = String.join(" | ", words);
        Optional<String> text = optional(name, expected);
        if (text.isEmpty()) {
            return defaultValue;
        }
        for (E value : values) {
            if (value.name().replace('_', '-').equals(text.get())) {
                return value;
            }
        }
        throw error(name, "\"" + text.get() + "\" is not " + what + " (expected: " + expected + ")");
    }

    static String describe(JsonNode node) {
        if (node.isObject()) {
            return "a mapping";
        }
        if (node.isArray()) {
            return "a list";
        }
        return "\"" + node.asText() + "\"";
    }
}
