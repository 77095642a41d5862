package io.replicator.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.replicator.control.NodeStatus;
import io.replicator.nbd.server.ListenAddress;
import io.replicator.nbd.server.Log;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The HTTP endpoint for load balancers and Prometheus: {@code /health} and {@code /metrics}.
 * Two threads and a short queue: when both are busy the accepting thread answers itself, which
 * slows new connections rather than queueing without bound.
 */
public final class HttpEndpoint implements AutoCloseable {
    private static final Log LOG = new Log("http");
    private static final int THREADS = 2;
    private static final int QUEUED_REQUESTS = 32;

    private Supplier<NodeStatus> status;
    private Metrics metrics;
    private HttpServer server;
    private ThreadPoolExecutor executor;
    private int port;

    /** Binds {@code address} (port 0 picks a free one) and returns the bound port. */
    public int start(ListenAddress.Tcp address, Supplier<NodeStatus> status, Metrics metrics) throws IOException {
        if (server != null) {
            throw new IllegalStateException("the HTTP endpoint is already started on port " + port);
        }
        this.status = status;
        this.metrics = metrics;
        try {
            server = HttpServer.create(new InetSocketAddress(address.host(), address.port()), 16);
        } catch (IOException e) {
            throw new IOException("cannot listen for HTTP on " + address + ": " + e.getMessage(), e);
        }
        AtomicInteger count = new AtomicInteger();
        executor = new ThreadPoolExecutor(THREADS, THREADS, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(QUEUED_REQUESTS),
                r -> {
                    Thread t = new Thread(r, "http-" + count.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                }, new ThreadPoolExecutor.CallerRunsPolicy());
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
        port = server.getAddress().getPort();
        LOG.info("HTTP endpoint listening on " + new ListenAddress.Tcp(address.host(), port) + " (/health, /metrics)");
        return port;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getPath();
            if (!path.equals("/health") && !path.equals("/metrics")) {
                send(exchange, 404, "text/plain; charset=utf-8", "not found (try /health or /metrics)\n");
            } else if (!method.equals("GET") && !method.equals("HEAD")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                send(exchange, 405, "text/plain; charset=utf-8", "method " + method + " not allowed (expected: GET or HEAD)\n");
            } else if (path.equals("/health")) {
                Health health = health();
                send(exchange, health.healthy() ? 200 : 503, "application/json", health.json() + "\n");
            } else {
                metrics(exchange);
            }
        }
    }

    private Health health() {
        try {
            return Health.of(status.get());
        } catch (RuntimeException e) {
            LOG.error("/health: cannot read the node's status", e);
            return Health.unknown("status unavailable: " + e);
        }
    }

    private void metrics(HttpExchange exchange) throws IOException {
        String text;
        try {
            text = metrics.render(status.get());
        } catch (RuntimeException e) {
            LOG.error("/metrics: cannot read the node's status", e);
            send(exchange, 500, "text/plain; charset=utf-8", "status unavailable: " + e + "\n");
            return;
        }
        send(exchange, 200, PrometheusText.CONTENT_TYPE, text);
    }

    private static void send(HttpExchange exchange, int code, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(code, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        if (server == null) {
            return;
        }
        server.stop(0);
        executor.shutdown();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LOG.info("HTTP endpoint on port " + port + " closed");
        server = null;
    }
}
