package dev.agentcenter.api.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentcenter.api.ApiTestBase;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class OpenApiTest extends ApiTestBase {

    @Test
    void describesTheApiAndServesSwaggerUi() {
        JsonNode spec = get("/v3/api-docs").expect(200).body();
        assertThat(spec.get("openapi").asString()).startsWith("3.");
        assertThat(spec.get("paths").propertyNames())
                .contains("/api/workspaces", "/api/tasks/{id}/follow-ups", "/api/runs/{id}/events", "/health");

        assertThat(get("/swagger-ui/index.html").expect(200).raw().body()).contains("Swagger UI");
    }

    @Test
    void servesTheWebUiAtTheRoot() {
        Answer page = get("/").expect(200);
        assertThat(page.header("Content-Type")).startsWith("text/html");
        assertThat(page.raw().body()).contains("Agent Center");
    }

    @Test
    void everyResponseCarriesARequestIdAndEchoesASaneOne() throws Exception {
        assertThat(get("/health").header("X-Request-Id")).matches("[0-9a-f-]{36}");
        var client = java.net.http.HttpClient.newHttpClient();
        var request = java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + port + "/api/workspaces/" + java.util.UUID.randomUUID()));
        var given = client.send(
                request.copy().header("X-Request-Id", "trace-42").build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(given.headers().firstValue("X-Request-Id")).contains("trace-42");
        assertThat(given.body()).contains("\"requestId\":\"trace-42\"");
        var insane = client.send(
                request.copy().header("X-Request-Id", "<script>").build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(insane.headers().firstValue("X-Request-Id").orElseThrow()).matches("[0-9a-f-]{36}");
    }
}
