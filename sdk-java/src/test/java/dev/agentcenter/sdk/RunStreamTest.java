package dev.agentcenter.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.agentcenter.model.Run;
import dev.agentcenter.model.RunEvent;
import dev.agentcenter.model.RunStatus;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.BiConsumer;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.Response;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The live stream against a MockWebServer WebSocket fake that speaks the {@code /ws} protocol: backlog, live events,
 * dropped connections, resume by sequence, duplicates, errors, and the polling fallback of awaitCompletion.
 */
class RunStreamTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final MockWebServer server = new MockWebServer();
    private final UUID runId = UUID.randomUUID();
    /** The afterSequence of every subscribe_run the fake received, in order. */
    private final BlockingQueue<Long> subscriptions = new LinkedBlockingQueue<>();

    private final List<String> authorizations = new CopyOnWriteArrayList<>();
    private AgentCenterClient client;

    @BeforeEach
    void start() throws IOException {
        server.start();
        client = AgentCenterClient.builder()
                .baseUrl(server.url("/").toString())
                .token("stream-token")
                .retryDelays(Duration.ofMillis(10), Duration.ofMillis(100))
                .streamReconnectAttempts(3)
                .build();
    }

    @AfterEach
    void stop() {
        client.close();
        server.close();
    }

    /** One WebSocket connection of the fake: on subscribe_run, {@code script} answers. */
    private MockResponse connection(BiConsumer<WebSocket, Long> script) {
        return new MockResponse.Builder()
                .webSocketUpgrade(new FakeListener() {
                    @Override
                    public void onOpen(WebSocket webSocket, Response response) {
                        authorizations.add(response.request().header("Authorization"));
                    }

                    @Override
                    public void onMessage(WebSocket webSocket, String text) {
                        JsonNode message = JSON.readTree(text);
                        if (message.path("type").asString().equals("subscribe_run")) {
                            assertThat(message.path("runId").asString()).isEqualTo(runId.toString());
                            long after = message.path("afterSequence").asLong(0);
                            subscriptions.add(after);
                            webSocket.send("{\"type\":\"subscribed\",\"runId\":\"" + runId + "\"}");
                            script.accept(webSocket, after);
                        }
                    }
                })
                .build();
    }

    private String event(long sequence, String type) {
        return "{\"type\":\"run_event\",\"runId\":\"" + runId + "\",\"event\":{\"runId\":\"" + runId
                + "\",\"sequence\":" + sequence + ",\"eventType\":\"" + type
                + "\",\"level\":\"info\",\"message\":\"event " + sequence
                + "\",\"payload\":{\"stream\":\"stdout\"},\"createdAt\":\"2026-01-01T00:00:00Z\",\"futureField\":1}}";
    }

    private void send(WebSocket socket, long from, long to, long terminal) {
        for (long sequence = from; sequence <= to; sequence++) {
            socket.send(event(sequence, sequence == terminal ? "run.completed" : "run.log"));
        }
    }

    @Test
    void iteratorSeesEveryEventOnceInOrderAcrossDropsAndEndsAfterTheTerminalEvent() throws InterruptedException {
        List<Long> sequences = new CopyOnWriteArrayList<>();
        // 1st connection: backlog 1..3, then (once the client has them) the connection breaks without a close.
        server.enqueue(connection((socket, after) -> {
            send(socket, after + 1, 3, 0);
            await().until(() -> sequences.size() == 3);
            socket.cancel();
        }));
        // 2nd: resumes after 3, but replays 2..3 (duplicates), sends 4..5, then closes as for a slow client.
        server.enqueue(connection((socket, after) -> {
            send(socket, 2, 5, 0);
            socket.close(4008, "too slow");
        }));
        // 3rd: resumes after 5; live events up to the terminal one.
        server.enqueue(connection((socket, after) -> send(socket, after + 1, 8, 8)));

        List<String> types = new ArrayList<>();
        try (RunEventStream events = client.runs().stream(runId)) {
            while (events.hasNext()) {
                RunEvent event = events.next();
                sequences.add(event.sequence());
                types.add(event.eventType());
            }
            assertThat(events.hasNext()).isFalse();
            assertThat(events.lastSequence()).isEqualTo(8);
        }

        assertThat(sequences).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
        assertThat(types.getLast()).isEqualTo("run.completed");
        assertThat(List.of(subscriptions.take(), subscriptions.take(), subscriptions.take()))
                .containsExactly(0L, 3L, 5L);
        assertThat(authorizations).containsOnly("Bearer stream-token");
        RecordedRequest upgrade = server.takeRequest();
        assertThat(upgrade.getUrl().encodedPath()).isEqualTo("/ws");
    }

    @Test
    void aGapMakesTheClientResubscribeFromWhatItHas() throws InterruptedException {
        server.enqueue(connection((socket, after) -> {
            send(socket, 1, 2, 0);
            send(socket, 5, 5, 0); // 3 and 4 missing: never delivered out of order
        }));
        server.enqueue(connection((socket, after) -> send(socket, after + 1, 5, 5)));

        List<Long> sequences = new ArrayList<>();
        try (RunEventStream events = client.runs().stream(runId)) {
            events.forEachRemaining(event -> sequences.add(event.sequence()));
        }

        assertThat(sequences).containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(List.of(subscriptions.take(), subscriptions.take())).containsExactly(0L, 2L);
    }

    @Test
    void listenerStartsAfterTheGivenSequenceAndTheSubscriptionCloses() {
        server.enqueue(connection((socket, after) -> send(socket, after + 1, 12, 12)));
        List<Long> seen = new CopyOnWriteArrayList<>();
        CompletableFuture<RunEvent> end = new CompletableFuture<>();

        Subscription subscription = client.runs().stream(runId, 10, new RunEventListener() {
            @Override
            public void onEvent(RunEvent event) {
                seen.add(event.sequence());
            }

            @Override
            public void onEnd(RunEvent terminalEvent) {
                end.complete(terminalEvent);
            }
        });

        assertThat(end.join().sequence()).isEqualTo(12);
        assertThat(seen).containsExactly(11L, 12L);
        assertThat(subscription.isClosed()).isTrue();
        assertThat(subscription.lastSequence()).isEqualTo(12);
    }

    @Test
    void aListenerThatThrowsStopsTheStreamInsteadOfReconnecting() {
        server.enqueue(connection((socket, after) -> send(socket, 1, 3, 0)));
        CompletableFuture<AgentCenterException> failure = new CompletableFuture<>();

        Subscription subscription = client.runs().stream(runId, 0, new RunEventListener() {
            @Override
            public void onEvent(RunEvent event) {
                if (event.sequence() == 2) {
                    throw new IllegalStateException("bug in the caller");
                }
            }

            @Override
            public void onFailure(AgentCenterException error) {
                failure.complete(error);
            }
        });

        assertThat(failure.join().code()).isEqualTo("listener_failed");
        assertThat(failure.join()).hasRootCauseInstanceOf(IllegalStateException.class);
        assertThat(subscription.isClosed()).isTrue();
        assertThat(subscription.lastSequence()).isEqualTo(2);
        assertThat(server.getRequestCount()).isEqualTo(1);
    }

    @Test
    void aServerErrorForTheRunEndsTheStreamWithATypedException() {
        server.enqueue(new MockResponse.Builder()
                .webSocketUpgrade(new FakeListener() {
                    @Override
                    public void onMessage(WebSocket webSocket, String text) {
                        webSocket.send("{\"type\":\"error\",\"message\":\"no such run\",\"code\":\"run_not_found\"}");
                    }
                })
                .build());

        try (RunEventStream events = client.runs().stream(runId)) {
            assertThatThrownBy(events::hasNext)
                    .isInstanceOfSatisfying(
                            NotFoundException.class, e -> assertThat(e.code()).isEqualTo("run_not_found"));
        }
    }

    @Test
    void aRefusedUpgradeIsNotRetried() {
        server.enqueue(new MockResponse.Builder()
                .code(401)
                .setHeader("Content-Type", "application/problem+json")
                .body("{\"code\":\"unauthorized\",\"detail\":\"token required\",\"requestId\":\"r-ws\"}")
                .build());

        try (RunEventStream events = client.runs().stream(runId)) {
            assertThatThrownBy(events::hasNext)
                    .isInstanceOfSatisfying(
                            AuthenticationException.class,
                            e -> assertThat(e.requestId()).isEqualTo("r-ws"));
        }
        assertThat(server.getRequestCount()).isEqualTo(1);
    }

    @Test
    void givesUpWithConnectionExceptionWhenReconnectsKeepFailing() {
        for (int i = 0; i < 4; i++) {
            server.enqueue(new MockResponse.Builder().code(503).build());
        }

        try (RunEventStream events = client.runs().stream(runId)) {
            assertThatThrownBy(events::hasNext).isInstanceOf(ConnectionException.class);
        }
        assertThat(server.getRequestCount()).isEqualTo(4);
    }

    @Test
    void awaitCompletionFollowsTheStreamThenReturnsTheFinalRun() {
        BlockingQueue<MockResponse> runs = new LinkedBlockingQueue<>(List.of(run("running"), run("completed")));
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                if (request.getUrl().encodedPath().equals("/ws")) {
                    return connection((socket, after) -> send(socket, after + 1, 4, 4));
                }
                return runs.remove();
            }
        });

        Run run = client.runs().awaitCompletion(runId, Duration.ofSeconds(30));

        assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
    }

    @Test
    void awaitCompletionPollsWhenTheServerHasNoWebSocketEndpoint() {
        BlockingQueue<MockResponse> runs =
                new LinkedBlockingQueue<>(List.of(run("running"), run("running"), run("failed")));
        List<String> paths = new CopyOnWriteArrayList<>();
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                paths.add(request.getUrl().encodedPath());
                if (request.getUrl().encodedPath().equals("/ws")) {
                    return new MockResponse.Builder()
                            .code(404)
                            .setHeader("Content-Type", "application/problem+json")
                            .body("{\"code\":\"not_found\",\"detail\":\"No endpoint\"}")
                            .build();
                }
                return runs.remove();
            }
        });

        Run run = client.runs().awaitCompletion(runId, Duration.ofSeconds(30));

        assertThat(run.status()).isEqualTo(RunStatus.FAILED);
        assertThat(paths).containsExactly("/api/runs/" + runId, "/ws", "/api/runs/" + runId, "/api/runs/" + runId);
    }

    @Test
    void closingAStreamStopsItsConnection() {
        CompletableFuture<Integer> closedWith = new CompletableFuture<>();
        server.enqueue(new MockResponse.Builder()
                .webSocketUpgrade(new WebSocketListener() {
                    @Override
                    public void onMessage(WebSocket webSocket, String text) {
                        webSocket.send(event(1, "run.log"));
                    }

                    @Override
                    public void onClosing(WebSocket webSocket, int code, String reason) {
                        closedWith.complete(code);
                        webSocket.close(code, null);
                    }
                })
                .build());

        RunEventStream events = client.runs().stream(runId);
        assertThat(events.next().sequence()).isEqualTo(1);
        events.close();

        assertThat(events.hasNext()).isFalse();
        assertThat(closedWith.join()).isEqualTo(1000);
        await().until(() -> server.getRequestCount() == 1);
    }

    /** Answers a close from the client, as a server does, so that the fake's connections end. */
    private static class FakeListener extends WebSocketListener {
        @Override
        public void onClosing(WebSocket webSocket, int code, String reason) {
            webSocket.close(code, null);
        }
    }

    private MockResponse run(String status) {
        return new MockResponse.Builder()
                .setHeader("Content-Type", "application/json")
                .body("{\"id\":\"" + runId + "\",\"taskId\":\"" + UUID.randomUUID() + "\",\"attempt\":1,\"status\":\""
                        + status + "\"}")
                .build();
    }
}
