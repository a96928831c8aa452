package dev.agentcenter.runner;

import dev.agentcenter.support.DatabaseSettings;
import dev.agentcenter.testing.TestDatabase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/** Starts the real runner on a random port against a real Postgres and talks to it over HTTP. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
public abstract class RunnerTestBase {

    private static DatabaseSettings database;
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @LocalServerPort
    protected int port;

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        synchronized (RunnerTestBase.class) {
            if (database == null) {
                database = TestDatabase.shared().freshDatabase();
            }
        }
        registry.add("spring.datasource.url", database::jdbcUrl);
        registry.add("spring.datasource.username", database::username);
        registry.add("spring.datasource.password", () -> database.password() == null ? "" : database.password());
        registry.add("server.address", () -> "127.0.0.1");
    }

    /** Status, content type and the body parsed as JSON ({@code null} when empty). */
    public record Answer(int status, String contentType, JsonNode body, String rawBody) {}

    protected Answer get(String path, String authorization) {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)), authorization);
    }

    /** A POST with {@code body} as {@code application/json}. */
    protected Answer postJson(String path, String body, String authorization) {
        return send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)),
                authorization);
    }

    private Answer send(HttpRequest.Builder request, String authorization) {
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        try {
            HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
            String type = response.headers().firstValue("Content-Type").orElse("");
            JsonNode body = response.body().isEmpty() || !type.contains("json") ? null : JSON.readTree(response.body());
            return new Answer(response.statusCode(), type, body, response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
