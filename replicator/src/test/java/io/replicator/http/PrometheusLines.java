package io.replicator.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict reader of the Prometheus text format 0.0.4, for tests (promtool may not be installed):
 * every line is a HELP/TYPE comment or {@code name{labels} value}; each family is typed once,
 * before its samples.
 */
final class PrometheusLines {
    private static final Pattern COMMENT = Pattern.compile("# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)");
    private static final Pattern SAMPLE = Pattern.compile(
            "([a-zA-Z_:][a-zA-Z0-9_:]*)\\{((?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\\n]|\\\\[\\\\\"n])*\",?)*)\\} (\\S+)");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");
    private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");

    record Sample(String name, Map<String, String> labels, double value) {}

    static List<Sample> parse(String text) {
        assertTrue(text.endsWith("\n"), "the exposition ends with a newline");
        List<Sample> samples = new ArrayList<>();
        Map<String, String> types = new LinkedHashMap<>();
        Set<String> helped = new HashSet<>();
        for (String line : text.split("\n", -1)) {
            if (line.isEmpty()) {
                continue;
            }
            Matcher comment = COMMENT.matcher(line);
            Matcher sample = SAMPLE.matcher(line);
            if (comment.matches()) {
                String family = comment.group(2);
                if (comment.group(1).equals("TYPE")) {
                    assertTrue(TYPES.contains(comment.group(3)), line);
                    assertFalse(types.containsKey(family), "typed twice: " + family);
                    assertFalse(samples.stream().anyMatch(s -> family(s.name(), types).equals(family)), "TYPE after samples: " + line);
                    types.put(family, comment.group(3));
                } else {
                    assertTrue(helped.add(family), "HELP twice: " + family);
                }
            } else if (sample.matches()) {
                String name = sample.group(1);
                assertTrue(types.containsKey(family(name, types)), "sample of an untyped family: " + line);
                Map<String, String> labels = new LinkedHashMap<>();
                Matcher label = LABEL.matcher(sample.group(2));
                while (label.find()) {
                    assertFalse(labels.containsKey(label.group(1)), "label twice: " + line);
                    labels.put(label.group(1), label.group(2));
                }
                samples.add(new Sample(name, labels, value(sample.group(3), line)));
            } else {
                fail("neither a comment nor a sample: '" + line + "'");
            }
        }
        return samples;
    }

    private static String family(String name, Map<String, String> types) {
        for (String suffix : List.of("_bucket", "_sum", "_count")) {
            if (name.endsWith(suffix)) {
                String base = name.substring(0, name.length() - suffix.length());
                if ("histogram".equals(types.get(base))) {
                    return base;
                }
            }
        }
        return name;
    }

    private static double value(String text, String line) {
        switch (text) {
            case "+Inf": return Double.POSITIVE_INFINITY;
            case "-Inf": return Double.NEGATIVE_INFINITY;
            case "NaN": return Double.NaN;
            default:
                try {
                    return Double.parseDouble(text);
                } catch (NumberFormatException e) {
                    return fail("not a number: " + line);
                }
        }
    }

    static double value(List<Sample> samples, String name, String label, String labelValue) {
        List<Sample> found = samples.stream()
                .filter(s -> s.name().equals(name) && (label == null || labelValue.equals(s.labels().get(label))))
                .toList();
        assertEquals(1, found.size(), name + " " + label + "=" + labelValue + ": " + found);
        return found.get(0).value();
    }

    /** Checks every histogram: buckets in increasing {@code le}, counts never decreasing, +Inf equal to _count. */
    static int checkHistograms(List<Sample> samples) {
        Map<String, List<Sample>> buckets = new LinkedHashMap<>();
        for (Sample s : samples) {
            if (s.name().endsWith("_bucket")) {
                buckets.computeIfAbsent(s.name().substring(0, s.name().length() - 7), k -> new ArrayList<>()).add(s);
            }
        }
        for (Map.Entry<String, List<Sample>> h : buckets.entrySet()) {
            double previousLe = Double.NEGATIVE_INFINITY;
            double previousCount = 0;
            for (Sample b : h.getValue()) {
                double le = value(b.labels().get("le"), b.toString());
                assertTrue(le > previousLe, "le increasing: " + b);
                assertTrue(b.value() >= previousCount, "cumulative: " + b);
                previousLe = le;
                previousCount = b.value();
            }
            assertEquals(Double.POSITIVE_INFINITY, previousLe, "last bucket is +Inf: " + h.getKey());
            assertEquals(previousCount, value(samples, h.getKey() + "_count", null, null), h.getKey());
            assertTrue(value(samples, h.getKey() + "_sum", null, null) >= 0, h.getKey());
        }
        return buckets.size();
    }
}
