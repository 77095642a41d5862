package io.replicator.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as operators write them: an integer and a unit, {@code 500ms}, {@code 5s}, {@code 1m}, {@code 1h}. */
public final class Durations {
    private static final Pattern DURATION = Pattern.compile("(\\d{1,19}) ?(ms|s|m|h)");
    private static final String EXPECTED = "(expected e.g. 500ms, 5s, 1m)";

    private Durations() {}

    /** A duration from 0 to Long.MAX_VALUE ms; IllegalArgumentException says why not (the text is quoted, the caller names the key). */
    public static Duration parse(String text) {
        Matcher m = DURATION.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("\"" + text + "\" is not a duration " + EXPECTED);
        }
        try {
            long value = Long.parseLong(m.group(1));
            Duration duration = switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(value);
                case "s" -> Duration.ofSeconds(value);
                case "m" -> Duration.ofMinutes(value);
                default -> Duration.ofHours(value);
            };
            duration.toMillis(); // throws beyond Long.MAX_VALUE ms: keep every parsed duration printable
            return duration;
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("\"" + text + "\" is too long " + EXPECTED);
        }
    }

    /** The shortest exact form in whole milliseconds: 1h, 90s, 1500ms. {@code parse(format(d)) == d} for whole ms. */
    public static String format(Duration duration) {
        long ms = duration.toMillis();
        if (ms == 0) {
            return "0s";
        }
        if (ms % 3_600_000 == 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }
}
