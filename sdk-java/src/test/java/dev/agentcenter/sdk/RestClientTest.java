package dev.agentcenter.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentcenter.model.CreateRunRequest;
import dev.agentcenter.model.CreateWorkspaceRequest;
import dev.agentcenter.model.Page;
import dev.agentcenter.model.RepoConnection;
import dev.agentcenter.model.Run;
import dev.agentcenter.model.Runner;
import dev.agentcenter.model.RunnerStatus;
import dev.agentcenter.model.UpdateRepoConnectionRequest;
import dev.agentcenter.model.UpdateWorkspaceRequest;
import dev.agentcenter.model.Workspace;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.Call;
import okhttp3.EventListener;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** REST behaviour against MockWebServer: auth, JSON, error mapping, retries and paging. */
class RestClientTest {

    private static final String WORKSPACE_ID = "7b1c5f0e-2f5a-4c7e-9a51-0d6c4f1e2a10";
    private static final String WORKSPACE =
            "{\"id\":\"" + WORKSPACE_ID + "\",\"slug\":\"demo\",\"name\":\"Demo\",\"addedLater\":{\"x\":1}}";

    private final MockWebServer server = new MockWebServer();
    private AgentCenterClient client;

    @BeforeEach
    void start() throws IOException {
        server.start();
        client = client(server.url("/").toString(), 2, null);
    }

    @AfterEach
    void stop() {
        client.close();
        server.close();
    }

    private static AgentCenterClient client(String baseUrl, int retries, OkHttpClient http) {
        AgentCenterClient.Builder builder = AgentCenterClient.builder()
                .baseUrl(baseUrl)
                .token("secret-token")
                .maxRetries(retries)
                .retryDelays(Duration.ofMillis(10), Duration.ofSeconds(2));
        if (http != null) {
            builder.httpClient(http);
        }
        return builder.build();
    }

    private static MockResponse json(int code, String body) {
        return new MockResponse.Builder()
                .code(code)
                .setHeader("Content-Type", code >= 400 ? "application/problem+json" : "application/json")
                .setHeader("X-Request-Id", "req-header-" + code)
                .body(body)
                .build();
    }

    @Test
    void sendsTheTokenAndJsonAndReadsResponsesIgnoringUnknownFields() throws InterruptedException {
        server.enqueue(json(201, WORKSPACE));

        Workspace created = client.workspaces().create(new CreateWorkspaceRequest("demo", "Demo", null, null));

        assertThat(created.id()).isEqualTo(UUID.fromString(WORKSPACE_ID));
        assertThat(created.slug()).isEqualTo("demo");
        RecordedRequest request = server.takeRequest();
        assertThat(request.getMethod()).isEqualTo("POST");
        assertThat(request.getUrl().encodedPath()).isEqualTo("/api/workspaces");
        assertThat(request.getHeaders().get("Authorization")).isEqualTo("Bearer secret-token");
        // Nulls are left out, so that PATCH-style updates only touch what was set.
        assertThat(request.getBody().utf8()).isEqualTo("{\"slug\":\"demo\",\"name\":\"Demo\"}");
    }

    @Test
    void noAuthorizationHeaderWithoutAToken() throws InterruptedException {
        server.enqueue(json(200, WORKSPACE));
        try (AgentCenterClient anonymous =
                AgentCenterClient.builder().baseUrl(server.url("/").toString()).build()) {
            anonymous.workspaces().get(UUID.fromString(WORKSPACE_ID));
        }
        assertThat(server.takeRequest().getHeaders().get("Authorization")).isNull();
    }

    @Test
    void validationProblemBecomesBadRequestWithCodeRequestIdAndFieldErrors() {
        server.enqueue(json(400, """
                {"type":"about:blank","title":"Bad Request","status":400,"detail":"slug: must match",
                 "code":"validation_failed","requestId":"req-123",
                 "errors":[{"field":"slug","message":"must be lowercase words joined by dashes"}]}"""));

        assertThatThrownBy(() -> client.workspaces().create(new CreateWorkspaceRequest("Bad Slug", "x", null, null)))
                .isInstanceOfSatisfying(BadRequestException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.code()).isEqualTo("validation_failed");
                    assertThat(e.requestId()).isEqualTo("req-123");
                    assertThat(e.detail()).isEqualTo("slug: must match");
                    assertThat(e.fieldErrors())
                            .containsExactly(new AgentCenterException.FieldError(
                                    "slug", "must be lowercase words joined by dashes"));
                    assertThat(e.getMessage()).contains("code: validation_failed", "request-id: req-123");
                });
    }

    @Test
    void statusesMapToTypedExceptions() {
        server.enqueue(json(401, "{\"code\":\"unauthorized\",\"detail\":\"token required\"}"));
        server.enqueue(json(404, "{\"code\":\"run_not_found\",\"detail\":\"no such run\",\"requestId\":\"r-404\"}"));
        server.enqueue(json(409, "{\"code\":\"task_has_active_run\",\"detail\":\"busy\"}"));
        server.enqueue(json(413, "{\"code\":\"payload_too_large\",\"detail\":\"too big\"}"));
        UUID id = UUID.randomUUID();

        assertThatThrownBy(() -> client.runs().create(new CreateRunRequest(id, null, null)))
                .isInstanceOf(AuthenticationException.class);
        assertThatThrownBy(() -> client.runs().create(new CreateRunRequest(id, null, null)))
                .isInstanceOfSatisfying(NotFoundException.class, e -> {
                    assertThat(e.code()).isEqualTo("run_not_found");
                    assertThat(e.requestId()).isEqualTo("r-404");
                });
        assertThatThrownBy(() -> client.runs().create(new CreateRunRequest(id, null, null)))
                .isInstanceOfSatisfying(
                        ConflictException.class, e -> assertThat(e.code()).isEqualTo("task_has_active_run"));
        assertThatThrownBy(() -> client.runs().create(new CreateRunRequest(id, null, null)))
                .isInstanceOf(PayloadTooLargeException.class);
    }

    @Test
    void anErrorWithoutAProblemBodyStillCarriesStatusAndRequestIdHeader() {
        server.enqueue(new MockResponse.Builder()
                .code(502)
                .setHeader("X-Request-Id", "from-header")
                .body("<html>bad gateway</html>")
                .build());

        assertThatThrownBy(() -> client.runs().create(new CreateRunRequest(UUID.randomUUID(), null, null)))
                .isInstanceOfSatisfying(ServerException.class, e -> {
                    assertThat(e.status()).isEqualTo(502);
                    assertThat(e.requestId()).isEqualTo("from-header");
                    assertThat(e.code()).isNull();
                });
    }

    @Test
    void idempotentGetIsRetriedOn503HonouringRetryAfter() {
        server.enqueue(new MockResponse.Builder()
                .code(503)
                .setHeader("Retry-After", "1")
                .body("{\"code\":\"unavailable\"}")
                .build());
        server.enqueue(json(200, WORKSPACE));

        Workspace workspace = client.workspaces().get(UUID.fromString(WORKSPACE_ID));

        assertThat(workspace.slug()).isEqualTo("demo");
        assertThat(server.getRequestCount()).isEqualTo(2);
    }

    @Test
    void aRetryAfterLongerThanTheLongestDelayIsReportedNotWaitedFor() {
        server.enqueue(new MockResponse.Builder()
                .code(429)
                .setHeader("Retry-After", "3600")
                .body("{\"code\":\"rate_limited\"}")
                .build());

        assertThatThrownBy(() -> client.runners().list())
                .isInstanceOfSatisfying(
                        RateLimitException.class, e -> assertThat(e.code()).isEqualTo("rate_limited"));
        assertThat(server.getRequestCount()).isEqualTo(1);
    }

    @Test
    void drainResumeAndTheQueueUseTheirRoutes() throws Exception {
        String runnerId = "7d3c4a52-0c1d-4b5e-9a53-3f0b8c2f4e11";
        server.enqueue(json(
                200,
                "{\"id\":\"" + runnerId + "\",\"name\":\"r1\",\"status\":\"draining\",\"capacity\":1,\"activeRuns\":0,"
                        + "\"drainRequestedAt\":\"2026-12-03T11:00:00Z\"}"));
        server.enqueue(json(
                200,
                "{\"id\":\"" + runnerId + "\",\"name\":\"r1\",\"status\":\"online\",\"capacity\":1,\"activeRuns\":0}"));
        server.enqueue(json(
                200,
                "{\"items\":[{\"id\":\"" + WORKSPACE_ID + "\",\"attempt\":2,\"status\":\"queued\","
                        + "\"waitingFor\":\"runner:" + runnerId + "\"}],\"nextCursor\":null}"));
        server.enqueue(json(200, "{\"id\":\"" + WORKSPACE_ID + "\",\"hasToken\":false,\"maxConcurrentRuns\":1}"));

        Runner drained = client.runners().drain(UUID.fromString(runnerId));
        Runner resumed = client.runners().resume(UUID.fromString(runnerId));
        Page<Run> queue = client.runs().queue(UUID.fromString(WORKSPACE_ID), 50);
        RepoConnection limited =
                client.repoConnections().update(UUID.fromString(WORKSPACE_ID), new UpdateRepoConnectionRequest(1));

        assertThat(drained.status()).isEqualTo(RunnerStatus.DRAINING);
        assertThat(drained.drainRequestedAt()).isEqualTo(java.time.Instant.parse("2026-12-03T11:00:00Z"));
        assertThat(resumed.drainRequestedAt()).isNull();
        assertThat(queue.items().getFirst().waitingFor()).isEqualTo("runner:" + runnerId);
        assertThat(limited.maxConcurrentRuns()).isEqualTo(1);
        RecordedRequest drain = server.takeRequest();
        assertThat(drain.getMethod()).isEqualTo("POST");
        assertThat(drain.getUrl().encodedPath()).isEqualTo("/api/runners/" + runnerId + "/drain");
        assertThat(server.takeRequest().getUrl().encodedPath()).isEqualTo("/api/runners/" + runnerId + "/resume");
        RecordedRequest queued = server.takeRequest();
        assertThat(queued.getUrl().encodedPath()).isEqualTo("/api/runs/queue");
        assertThat(queued.getUrl().queryParameter("workspaceId")).isEqualTo(WORKSPACE_ID);
        assertThat(queued.getUrl().queryParameter("limit")).isEqualTo("50");
        RecordedRequest patch = server.takeRequest();
        assertThat(patch.getMethod()).isEqualTo("PATCH");
        assertThat(patch.getBody().utf8()).isEqualTo("{\"maxConcurrentRuns\":1}");
    }

    @Test
    void patchAndDeleteAreRetriedButGiveUpAfterMaxRetries() {
        server.enqueue(json(500, "{}"));
        server.enqueue(json(200, WORKSPACE));
        server.enqueue(json(503, "{\"code\":\"a\"}"));
        server.enqueue(json(503, "{\"code\":\"b\"}"));
        server.enqueue(json(503, "{\"code\":\"c\"}"));

        client.workspaces().update(UUID.fromString(WORKSPACE_ID), new UpdateWorkspaceRequest(null, "New", null, null));
        assertThatThrownBy(() -> client.workspaces().delete(UUID.fromString(WORKSPACE_ID)))
                .isInstanceOfSatisfying(
                        ServerException.class, e -> assertThat(e.code()).isEqualTo("c"));

        assertThat(server.getRequestCount()).isEqualTo(5);
    }

    @Test
    void postIsNotRetriedOn500() {
        server.enqueue(json(500, "{\"code\":\"internal_error\",\"requestId\":\"r-500\"}"));
        server.enqueue(json(201, WORKSPACE));

        assertThatThrownBy(() -> client.workspaces().create(new CreateWorkspaceRequest("demo", "Demo", null, null)))
                .isInstanceOfSatisfying(
                        ServerException.class, e -> assertThat(e.requestId()).isEqualTo("r-500"));

        assertThat(server.getRequestCount()).isEqualTo(1);
    }

    @Test
    void postIsRetriedWhenTheConnectionWasRefusedBeforeSending() throws Exception {
        int port = freePort();
        MockWebServer late = new MockWebServer();
        late.enqueue(json(201, WORKSPACE));
        // The first connect is refused (nothing listens); the server starts listening before the retry, so the
        // retried POST arrives exactly once.
        OkHttpClient http = new OkHttpClient.Builder()
                .protocols(List.of(Protocol.HTTP_1_1))
                .eventListener(new EventListener() {
                    @Override
                    public void connectFailed(
                            Call call,
                            InetSocketAddress address,
                            java.net.Proxy proxy,
                            Protocol protocol,
                            IOException ioe) {
                        try {
                            if (!late.getStarted()) {
                                late.start(InetAddress.getByName("127.0.0.1"), port);
                            }
                        } catch (IOException e) {
                            throw new IllegalStateException(e);
                        }
                    }
                })
                .build();
        try (late;
                AgentCenterClient retrying = client("http://127.0.0.1:" + port + "/", 2, http)) {
            Workspace created = retrying.workspaces().create(new CreateWorkspaceRequest("demo", "Demo", null, null));

            assertThat(created.slug()).isEqualTo("demo");
            assertThat(late.getRequestCount()).isEqualTo(1);
            assertThat(late.takeRequest(1, TimeUnit.SECONDS).getMethod()).isEqualTo("POST");
        }
    }

    @Test
    void unreachableServerIsAConnectionExceptionAfterRetries() throws IOException {
        try (AgentCenterClient unreachable = client("http://127.0.0.1:" + freePort() + "/", 1, null)) {
            assertThatThrownBy(() -> unreachable.workspaces().list(ListParams.none()))
                    .isInstanceOf(ConnectionException.class)
                    .hasMessageContaining("could not connect");
        }
    }

    @Test
    void iterateFollowsCursorsAcrossPages() throws InterruptedException {
        server.enqueue(json(200, page("a", "b", "\"c2\"")));
        server.enqueue(json(200, page("c", "d", "\"c4\"")));
        server.enqueue(json(200, page("e", null, "null")));

        List<String> slugs = client
                .workspaces()
                .iterate(ListParams.builder().limit(2).build())
                .stream()
                .map(Workspace::slug)
                .toList();

        assertThat(slugs).containsExactly("a", "b", "c", "d", "e");
        assertThat(server.takeRequest().getUrl().queryParameter("cursor")).isNull();
        RecordedRequest second = server.takeRequest();
        assertThat(second.getUrl().queryParameter("cursor")).isEqualTo("c2");
        assertThat(second.getUrl().queryParameter("limit")).isEqualTo("2");
        assertThat(server.takeRequest().getUrl().queryParameter("cursor")).isEqualTo("c4");
    }

    @Test
    void listSendsFiltersAsQueryParameters() throws InterruptedException {
        server.enqueue(json(200, "{\"items\":[],\"nextCursor\":null}"));
        UUID workspace = UUID.randomUUID();

        Page<?> page = client.tasks()
                .list(TaskListParams.builder()
                        .workspaceId(workspace)
                        .status(dev.agentcenter.model.TaskStatus.RUNNING)
                        .archived(TaskListParams.Archived.INCLUDE)
                        .build());

        assertThat(page.items()).isEmpty();
        RecordedRequest request = server.takeRequest();
        assertThat(request.getUrl().encodedPath()).isEqualTo("/api/tasks");
        assertThat(request.getUrl().queryParameter("workspaceId")).isEqualTo(workspace.toString());
        assertThat(request.getUrl().queryParameter("status")).isEqualTo("running");
        assertThat(request.getUrl().queryParameter("archived")).isEqualTo("include");
    }

    private static String page(String first, String second, String cursor) {
        StringBuilder items = new StringBuilder("{\"id\":\"" + UUID.randomUUID() + "\",\"slug\":\"" + first + "\"}");
        if (second != null) {
            items.append(",{\"id\":\"")
                    .append(UUID.randomUUID())
                    .append("\",\"slug\":\"")
                    .append(second)
                    .append("\"}");
        }
        return "{\"items\":[" + items + "],\"nextCursor\":" + cursor + "}";
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
    }
}
