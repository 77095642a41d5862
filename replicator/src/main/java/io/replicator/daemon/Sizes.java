package io.replicator.daemon;

import java.util.Locale;

/** Sizes as operators write them: 1G, 512M, 1GiB, 4096 (bytes). Binary units. */
final class Sizes {
    private Sizes() {}

    static long parse(String text) {
        String t = text.trim().toUpperCase(Locale.ROOT).replace("IB", "").replace("B", "");
        long unit = 1;
        if (!t.isEmpty()) {
            switch (t.charAt(t.length() - 1)) {
                case 'K' -> unit = 1L << 10;
                case 'M' -> unit = 1L << 20;
                case 'G' -> unit = 1L << 30;
                case 'T' -> unit = 1L << 40;
                default -> unit = 1;
            }
        }
        String digits = unit == 1 ? t : t.substring(0, t.length() - 1);
        try {
            long value = Long.parseLong(digits.trim());
            if (value <= 0 || value > Long.MAX_VALUE / unit) {
                throw new IllegalArgumentException("size '" + text + "' (expected: a positive size such as 1G or 512M)");
            }
            return value * unit;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("size '" + text + "' (expected: a number with an optional K, M, G or T suffix)");
        }
    }
}
