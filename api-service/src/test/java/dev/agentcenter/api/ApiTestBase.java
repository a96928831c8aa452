package dev.agentcenter.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentcenter.support.DatabaseSettings;
import dev.agentcenter.testing.TestDatabase;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.UUID;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * Starts the real API on a random port against a real Postgres (one fresh database per test JVM, see
 * {@link TestDatabase}) and talks to it over HTTP, the way clients do.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
// Tests never depend on the developer's environment: no encryption key, no GitHub token, and a GitHub that cannot
// be reached (port 1 refuses connections) unless a test class says otherwise with its own properties.
@TestPropertySource(
        properties = {
            "agent-center.credentials.encryption-key=",
            "agent-center.github.fallback-tokens=",
            "agent-center.github.api-base-url=http://127.0.0.1:1"
        })
public abstract class ApiTestBase {

    private static DatabaseSettings database;
    protected static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @LocalServerPort
    protected int port;

    @Autowired
    protected JdbcClient db;

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        synchronized (ApiTestBase.class) {
            if (database == null) {
                database = TestDatabase.shared().freshDatabase();
            }
        }
        registry.add("spring.datasource.url", database::jdbcUrl);
        registry.add("spring.datasource.username", database::username);
        registry.add("spring.datasource.password", () -> database.password() == null ? "" : database.password());
        registry.add("server.address", () -> "127.0.0.1");
    }

    /** An answer: status, headers and the body parsed as JSON (or {@code null} when empty / not JSON). */
    public record Answer(int status, HttpResponse<String> raw, JsonNode body) {
        public String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }

        public String code() {
            return body == null || body.get("code") == null
                    ? null
                    : body.get("code").asString();
        }

        public UUID id() {
            return UUID.fromString(body.get("id").asString());
        }

        /** Asserts the status, showing the body when it differs. */
        public Answer expect(int expected) {
            assertThat(status)
                    .as(
                            "status of %s %s, body: %s",
                            raw.request().method(), raw.request().uri(), raw.body())
                    .isEqualTo(expected);
            return this;
        }

        /** Asserts an error: status, problem+json and its code. */
        public Answer expectProblem(int expected, String code) {
            expect(expected);
            assertThat(header("Content-Type")).startsWith("application/problem+json");
            assertThat(code()).as("problem code, body: %s", raw.body()).isEqualTo(code);
            assertThat(body.get("requestId").asString()).isEqualTo(header("X-Request-Id"));
            return this;
        }
    }

    protected Answer get(String path) {
        return send("GET", path, null);
    }

    protected Answer post(String path, Object body) {
        return send("POST", path, body);
    }

    protected Answer patch(String path, Object body) {
        return send("PATCH", path, body);
    }

    protected Answer delete(String path) {
        return send("DELETE", path, null);
    }

    /** Sends a request; a {@code String} body is sent as it is (to test malformed JSON), others as JSON. */
    protected Answer send(String method, String path, Object body) {
        return send(method, path, body, null);
    }

    protected Answer send(String method, String path, Object body, String bearerToken) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
        if (bearerToken != null) {
            request.header("Authorization", "Bearer " + bearerToken);
        }
        if (body == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            String text = body instanceof String s ? s : JSON.writeValueAsString(body);
            request.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(text));
        }
        try {
            HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
            JsonNode parsed = null;
            String type = response.headers().firstValue("Content-Type").orElse("");
            if (!response.body().isEmpty() && type.contains("json")) {
                parsed = JSON.readTree(response.body());
            }
            return new Answer(response.statusCode(), response, parsed);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A slug no other test uses. */
    protected static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Creates a workspace and returns its id. */
    protected UUID newWorkspace() {
        return post("/api/workspaces", java.util.Map.of("slug", unique("ws"), "name", "Test workspace"))
                .expect(201)
                .id();
    }

    /** Counts rows, to prove a rejected request wrote nothing. */
    protected long count(String table) {
        return db.sql("SELECT count(*) FROM " + table).query(Long.class).single();
    }
}
