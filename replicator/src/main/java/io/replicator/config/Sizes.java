package io.replicator.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sizes as operators write them: {@code 1GiB}, {@code 512MiB}, {@code 1G}, {@code 1024M}, {@code 4096} (bytes).
 * K, M, G and T are binary (1K = 1024) with or without {@code iB} or {@code B}: a disk is sized in pages, not in
 * marketing gigabytes. Letters are case-insensitive, as they always were for {@code --size}.
 */
public final class Sizes {
    private static final Pattern SIZE = Pattern.compile("(\\d{1,19}) ?(?:([KMGT])(?:I?B)?|B)?", Pattern.CASE_INSENSITIVE);
    private static final String EXPECTED = "(expected e.g. 1GiB, 512MiB, 4096)";
    private static final String UNITS = "KMGT";

    private Sizes() {}

    /** A positive size in bytes; IllegalArgumentException says why not (the text is quoted, the caller names the key). */
    public static long parse(String text) {
        long bytes = parseNonNegative(text);
        if (bytes == 0) {
            throw new IllegalArgumentException("\"" + text + "\" is not a positive size " + EXPECTED);
        }
        return bytes;
    }

    /** Like {@link #parse} but accepts 0 (where 0 means "unlimited", e.g. a rate). */
    public static long parseNonNegative(String text) {
        Matcher m = SIZE.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("\"" + text + "\" is not a size " + EXPECTED);
        }
        int shift = m.group(2) == null ? 0 : 10 * (1 + UNITS.indexOf(m.group(2).toUpperCase(Locale.ROOT)));
        try {
            long value = Long.parseLong(m.group(1));
            if (value > Long.MAX_VALUE >> shift) {
                throw new NumberFormatException();
            }
            return value << shift;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("\"" + text + "\" is too large (expected: below 8EiB)");
        }
    }

    /** The shortest exact form: 1GiB, 4KiB, 4095 (bytes). {@code parseNonNegative(format(n)) == n} for every n >= 0. */
    public static String format(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("size: " + bytes + " (expected: >= 0)");
        }
        for (int i = UNITS.length() - 1; i >= 0; i--) {
            long unit = 1L << (10 * (i + 1));
            if (bytes != 0 && bytes % unit == 0) {
                return bytes / unit + UNITS.substring(i, i + 1) + "iB";
            }
        }
        return Long.toString(bytes);
    }
}
