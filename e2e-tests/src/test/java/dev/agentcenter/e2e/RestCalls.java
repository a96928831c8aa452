package dev.agentcenter.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.UUID;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/** The REST calls the end-to-end tests make against a stack's API, checking the status code as they go. */
final class RestCalls {

    static final ObjectMapper JSON = JsonMapper.builder().build();
    static final HttpClient HTTP = HttpClient.newHttpClient();

    private final String apiUrl;

    RestCalls(String apiUrl) {
        this.apiUrl = apiUrl;
    }

    /** GET, expecting 200. */
    JsonNode get(String path) {
        HttpResponse<String> response =
                send(HttpRequest.newBuilder(URI.create(apiUrl + path)).build());
        assertThat(response.statusCode())
                .as("GET %s: %s", path, response.body())
                .isEqualTo(200);
        return JSON.readTree(response.body());
    }

    /** POST of {@code body} as JSON, expecting 200, 201 or 202. */
    JsonNode post(String path, Object body) {
        HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(apiUrl + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
                .build());
        assertThat(response.statusCode())
                .as("POST %s: %s", path, response.body())
                .isBetween(200, 202);
        return JSON.readTree(response.body());
    }

    HttpResponse<String> send(HttpRequest request) {
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Creates a task of {@code commands} (no agent, no repository) in the workspace; its id. */
    UUID task(UUID workspace, String title, java.util.List<String> commands) {
        return id(post(
                "/api/tasks",
                java.util.Map.of(
                        "workspaceId",
                        workspace,
                        "title",
                        title,
                        "config",
                        java.util.Map.of(
                                "commands",
                                commands.stream()
                                        .map(c -> java.util.Map.of("command", c))
                                        .toList()))));
    }

    static UUID id(JsonNode node) {
        return UUID.fromString(node.get("id").asString());
    }
}
