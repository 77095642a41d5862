package io.replicator.http;

/**
 * Writes the Prometheus text exposition format 0.0.4: HELP and TYPE lines, then samples that all
 * carry the node's labels ({@code resource}, {@code node}) plus at most one of their own.
 */
final class PrometheusText {
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final StringBuilder out = new StringBuilder(8192);
    private final String nodeLabels;

    PrometheusText(String resource, String node) {
        this.nodeLabels = "resource=\"" + escape(resource) + "\",node=\"" + escape(node) + "\"";
    }

    void header(String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    void gauge(String name, String help, double value) {
        header(name, "gauge", help);
        sample(name, value);
    }

    void gauge(String name, String help, long value) {
        header(name, "gauge", help);
        sample(name, value);
    }

    void counter(String name, String help, long value) {
        header(name, "counter", help);
        sample(name, value);
    }

    /** One sample per possible value: 1 for {@code current}, 0 for the others (none is 1 if it is null). */
    <E extends Enum<E>> void enumGauge(String name, String help, String label, E[] values, E current) {
        header(name, "gauge", help);
        for (E value : values) {
            sample(name, label, value.name(), value == current ? 1 : 0);
        }
    }

    void sample(String name, long value) {
        start(name).append("} ").append(value).append('\n');
    }

    void sample(String name, String label, String labelValue, long value) {
        start(name).append(',').append(label).append("=\"").append(escape(labelValue)).append("\"} ")
                .append(value).append('\n');
    }

    void sample(String name, double value) {
        start(name).append("} ").append(format(value)).append('\n');
    }

    void sample(String name, String label, String labelValue, double value) {
        start(name).append(',').append(label).append("=\"").append(escape(labelValue)).append("\"} ")
                .append(format(value)).append('\n');
    }

    private StringBuilder start(String name) {
        return out.append(name).append('{').append(nodeLabels);
    }

    private static String format(double value) {
        if (Double.isNaN(value)) {
            return "NaN";
        }
        if (Double.isInfinite(value)) {
            return value > 0 ? "+Inf" : "-Inf";
        }
        return Double.toString(value);
    }

    static String escape(String value) {
        if (value == null) {
            return "";
        }
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    @Override
    public String toString() {
        return out.toString();
    }
}
