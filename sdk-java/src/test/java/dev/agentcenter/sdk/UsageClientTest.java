package dev.agentcenter.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentcenter.model.UsageReport;
import java.io.IOException;
import java.time.Instant;
import java.util.UUID;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code client.usage()} against MockWebServer: the query it sends and the report it reads. */
class UsageClientTest {

    private static final UUID WORKSPACE = UUID.fromString("7b1c5f0e-2f5a-4c7e-9a51-0d6c4f1e2a10");

    private final MockWebServer server = new MockWebServer();
    private AgentCenterClient client;

    @BeforeEach
    void start() throws IOException {
        server.start();
        client = AgentCenterClient.builder()
                .baseUrl(server.url("/").toString())
                .maxRetries(0)
                .build();
    }

    @AfterEach
    void stop() {
        client.close();
        server.close();
    }

    private static MockResponse json(int code, String body) {
        return new MockResponse.Builder()
                .code(code)
                .setHeader("Content-Type", code >= 400 ? "application/problem+json" : "application/json")
                .body(body)
                .build();
    }

    @Test
    void asksForTheRangeAndGroupingAndReadsTheReport() throws InterruptedException {
        server.enqueue(json(200, """
                {"workspaceId":"%s","from":"2026-12-01T00:00:00Z","to":"2026-12-03T00:00:00Z","groupBy":"task",
                 "totals":{"runs":2,"inputTokens":1900,"cachedInputTokens":500,"outputTokens":150,"reasoningTokens":30,
                           "totalTokens":2050,"costUsd":0.01182,"unpricedTokens":0},
                 "groups":[{"key":"t1","label":"codex work","figures":{"runs":1,"inputTokens":1000,
                   "cachedInputTokens":200,"outputTokens":100,"reasoningTokens":30,"totalTokens":1100,
                   "costUsd":0.00182,"unpricedTokens":0}}],
                 "budget":{"period":"day","maxTokens":1000,"maxCostUsd":null,"periodStart":"2026-12-03T00:00:00Z",
                   "periodEnd":"2026-12-04T00:00:00Z","usedTokens":2050,"usedCostUsd":0.01182,
                   "exhaustedBy":"workspace_tokens"}}""".formatted(WORKSPACE)));

        UsageReport report = client.usage()
                .get(
                        WORKSPACE,
                        Instant.parse("2026-12-01T00:00:00Z"),
                        Instant.parse("2026-12-03T00:00:00Z"),
                        UsageService.GroupBy.TASK);

        RecordedRequest request = server.takeRequest();
        assertThat(request.getUrl().encodedPath()).isEqualTo("/api/usage");
        assertThat(request.getUrl().queryParameter("workspaceId")).isEqualTo(WORKSPACE.toString());
        assertThat(request.getUrl().queryParameter("from")).isEqualTo("2026-12-01T00:00:00Z");
        assertThat(request.getUrl().queryParameter("groupBy")).isEqualTo("task");
        assertThat(report.totals().totalTokens()).isEqualTo(2050);
        assertThat(report.groups()).extracting(UsageReport.Group::label).containsExactly("codex work");
        assertThat(report.budget().exhaustedBy()).isEqualTo("workspace_tokens");
        assertThat(report.budget().maxCostUsd()).isNull();
    }

    @Test
    void defaultsSendNoParametersButTheWorkspace() throws InterruptedException {
        server.enqueue(json(200, "{\"groupBy\":\"day\",\"groups\":[]}"));
        client.usage().get(WORKSPACE);
        RecordedRequest request = server.takeRequest();
        assertThat(request.getUrl().querySize()).isEqualTo(1);
    }

    @Test
    void aBadRangeIsABadRequest() {
        server.enqueue(
                json(400, "{\"status\":400,\"code\":\"validation_failed\",\"detail\":\"The request is not valid\"}"));
        assertThatThrownBy(() -> client.usage().get(null, Instant.EPOCH, Instant.EPOCH, null))
                .isInstanceOf(BadRequestException.class);
    }
}
