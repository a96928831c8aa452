package dev.agentcenter.worker.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentcenter.support.DatabaseSettings;
import dev.agentcenter.testing.TestDatabase;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The worker's {@code /actuator/prometheus}: queue depth and queue→dispatch latency, behind the internal token. */
class WorkerMetricsTest {

    private static final DatabaseSettings DATABASE = TestDatabase.shared().freshDatabase();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        registry.add("spring.datasource.url", DATABASE::jdbcUrl);
        registry.add("spring.datasource.username", DATABASE::username);
        registry.add("spring.datasource.password", () -> DATABASE.password() == null ? "" : DATABASE.password());
        registry.add("server.address", () -> "127.0.0.1");
    }

    static HttpResponse<String> get(int port, String path, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Nested
    @SpringBootTest(
            webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
            properties = {
                "agent-center.worker.poll-interval=200",
                "agent-center.worker.lease-sweep-interval=60000",
                "agent-center.worker.automation-interval=60000",
                "agent-center.worker.runner-internal-token=metrics-token"
            })
    class WithAToken {

        private static final FakeRunner RUNNER;

        static {
            try {
                RUNNER = new FakeRunner();
            } catch (IOException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        @LocalServerPort
        int port;

        @Autowired
        JdbcClient db;

        @AfterAll
        static void stopRunner() {
            RUNNER.close();
        }

        @Test
        void queueDepthAndDispatchLatencyAreMeasured() throws Exception {
            assertThat(get(port, "/actuator/prometheus", null).statusCode()).isEqualTo(401);
            assertThat(get(port, "/actuator/prometheus", "wrong").statusCode()).isEqualTo(401);
            assertThat(get(port, "/actuator/health/liveness", null).statusCode())
                    .isEqualTo(200);
            assertThat(get(port, "/actuator/health/readiness", null).statusCode())
                    .isEqualTo(200);

            UUID task = task();
            // not due for an hour: it waits in the queue
            db.sql("""
                            INSERT INTO runs (task_id, attempt, permission_mode, not_before)
                            VALUES (:task, 1, 'safe', now() + interval '1 hour')""").param("task", task).update();
            await().atMost(Duration.ofSeconds(30)).until(() -> metric("agentcenter_queue_depth") == 1.0);

            db.sql("INSERT INTO runners (name, base_url, capacity) VALUES ('local', :url, 2)")
                    .param("url", RUNNER.baseUrl())
                    .update();
            UUID run = db.sql("""
                            INSERT INTO runs (task_id, attempt, permission_mode)
                            VALUES (:task, 2, 'safe') RETURNING id""").param("task", task()).query(UUID.class).single();
            await().atMost(Duration.ofSeconds(30)).until(() -> RUNNER.requestsFor(run) == 1);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> metric("agentcenter_queue_to_dispatch_seconds_count") == 1.0);
            String text = get(port, "/actuator/prometheus", "metrics-token").body();
            assertThat(text)
                    .contains("agentcenter_queue_to_dispatch_seconds_bucket{")
                    .contains("agentcenter_listen_reconnects_total")
                    .contains("agentcenter_run_events_written_total")
                    .contains("service=\"worker\"");
        }

        private UUID task() {
            UUID workspace = db.sql("INSERT INTO workspaces (slug, name) VALUES (:slug, 'M') RETURNING id")
                    .param("slug", "m-" + UUID.randomUUID().toString().substring(0, 8))
                    .query(UUID.class)
                    .single();
            return db.sql("INSERT INTO tasks (workspace_id, title) VALUES (:ws, 'metrics') RETURNING id")
                    .param("ws", workspace)
                    .query(UUID.class)
                    .single();
        }

        private double metric(String name) throws Exception {
            HttpResponse<String> response = get(port, "/actuator/prometheus", "metrics-token");
            assertThat(response.statusCode()).isEqualTo(200);
            Matcher value =
                    Pattern.compile("(?m)^" + name + "\\{[^}]*} (\\S+)$").matcher(response.body());
            return value.find() ? Double.parseDouble(value.group(1)) : Double.NaN;
        }
    }

    @Nested
    @SpringBootTest(
            webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
            properties = "agent-center.worker.runner-internal-token=")
    class WithoutAToken {

        @LocalServerPort
        int port;

        @Test
        void metricsAreClosedAndProbesOpen() throws Exception {
            HttpResponse<String> closed = get(port, "/actuator/prometheus", "anything");
            assertThat(closed.statusCode()).isEqualTo(503);
            assertThat(closed.body()).contains("internal_token_missing");
            assertThat(get(port, "/actuator/health/liveness", null).statusCode())
                    .isEqualTo(200);
        }
    }
}
