package io.replicator.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.replicator.control.NodeStatus;
import io.replicator.core.DiskState;
import io.replicator.core.Role;
import io.replicator.nbd.server.ListenAddress;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class HttpEndpointTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final AtomicReference<NodeStatus> status = new AtomicReference<>(Statuses.primary());
    private final AtomicReference<RuntimeException> statusFailure = new AtomicReference<>();
    private final Metrics metrics = new Metrics();
    private final HttpEndpoint endpoint = new HttpEndpoint();
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private int port;

    @BeforeEach
    void start() throws IOException {
        port = endpoint.start(new ListenAddress.Tcp("127.0.0.1", 0), () -> {
            RuntimeException failure = statusFailure.get();
            if (failure != null) {
                throw failure;
            }
            return status.get();
        }, metrics);
    }

    @AfterEach
    void stop() {
        endpoint.close();
    }

    @Test
    void healthIs200OnAServingUpToDatePrimary() throws Exception {
        HttpResponse<String> response = get("/health");
        assertEquals(200, response.statusCode());
        JsonNode body = JSON.readTree(response.body());
        assertEquals("r0", body.get("resource").asText());
        assertEquals("alpha", body.get("node").asText());
        assertEquals("Primary", body.get("role").asText());
        assertEquals("UpToDate", body.get("disk").asText());
        assertTrue(body.get("serving").asBoolean());
        assertFalse(body.has("reason"));
    }

    @Test
    void healthIs503OtherwiseWithTheReason() throws Exception {
        Object[][] cases = {
            {Statuses.of("r0", Role.Secondary, DiskState.UpToDate, false), "role is Secondary (expected: Primary)"},
            {Statuses.of("r0", Role.Primary, DiskState.Inconsistent, true), "disk is Inconsistent (expected: UpToDate)"},
            {Statuses.of("r0", Role.Primary, DiskState.Consistent, true), "disk is Consistent (expected: UpToDate)"},
            {Statuses.of("r0", Role.Primary, DiskState.UpToDate, false), "not serving NBD"},
        };
        for (Object[] c : cases) {
            status.set((NodeStatus) c[0]);
            HttpResponse<String> response = get("/health");
            assertEquals(503, response.statusCode(), c[1].toString());
            JsonNode body = JSON.readTree(response.body());
            assertEquals(c[1], body.get("reason").asText());
            assertEquals("r0", body.get("resource").asText());
        }
        status.set(Statuses.primary());
        assertEquals(200, get("/health").statusCode(), "back to healthy");
    }

    @Test
    void healthIs503WhenTheStatusCannotBeRead() throws Exception {
        statusFailure.set(new IllegalStateException("metadata lock"));
        HttpResponse<String> response = get("/health");
        assertEquals(503, response.statusCode());
        assertTrue(JSON.readTree(response.body()).get("reason").asText().startsWith("status unavailable: "));
        assertEquals(500, get("/metrics").statusCode());
    }

    @Test
    void metricsAreValidPrometheusText() throws Exception {
        metrics.recordWrite(300_000, 4096);
        metrics.recordWrite(7_000_000, 4096);
        metrics.recordFlush(1_500_000);
        HttpResponse<String> response = get("/metrics");
        assertEquals(200, response.statusCode());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", response.headers().firstValue("Content-Type").orElse(""));
        List<PrometheusLines.Sample> samples = PrometheusLines.parse(response.body());
        assertEquals(2, PrometheusLines.checkHistograms(samples));
        assertEquals(2, PrometheusLines.value(samples, "replicator_write_latency_seconds_count", null, null));
        assertEquals(1, PrometheusLines.value(samples, "replicator_role", "role", "Primary"));
    }

    @Test
    void otherPathsAre404AndOtherMethods405() throws Exception {
        assertEquals(404, get("/").statusCode());
        assertEquals(404, get("/healthz").statusCode());
        assertEquals(404, get("/health/x").statusCode());
        HttpResponse<String> post = client.send(HttpRequest.newBuilder(uri("/health"))
                .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, post.statusCode());
        assertEquals("GET, HEAD", post.headers().firstValue("Allow").orElse(""));
    }

    @Test
    void headAnswersTheStatusWithoutABody() throws Exception {
        HttpResponse<String> head = client.send(HttpRequest.newBuilder(uri("/health"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, head.statusCode());
        assertEquals("", head.body());
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }
}
