package dev.agentcenter.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;
import tools.jackson.databind.JsonNode;

/**
 * Two API processes on one Postgres, with a worker and a runner: the events of a run reach a WebSocket client on
 * each API node and an SSE client exactly once and in order, although only one node took the request and neither
 * wrote the events (the runner did, and both nodes learn of them through {@code LISTEN}); {@code tasks_changed}
 * reaches both nodes' clients too.
 */
@org.junit.jupiter.api.extension.ExtendWith(MultiApiEndToEndTest.PrintLogsOnFailure.class)
class MultiApiEndToEndTest {

    private static final Duration WAIT = Duration.ofSeconds(90);
    private static Stack stack;
    private static Stack.Service secondApi;
    private static RestCalls rest;
    private static UUID workspace;

    @BeforeAll
    static void start() throws IOException {
        stack = Stack.start();
        secondApi = stack.startAnotherApi();
        rest = new RestCalls(stack.apiUrl());
        workspace = RestCalls.id(rest.post("/api/workspaces", Map.of("slug", "multi-api", "name", "Two API nodes")));
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void everyEventReachesAClientOnEachNodeAndAnSseClientExactlyOnceInOrder() throws Exception {
        Client first = Client.connect(stack.api.port);
        Client second = Client.connect(secondApi.port);
        first.send("{\"type\":\"subscribe_tasks\"}");
        second.send("{\"type\":\"subscribe_tasks\"}");
        // Every message is answered in order, so a pong means the subscription is in place before the task exists.
        first.send("{\"type\":\"ping\"}");
        second.send("{\"type\":\"ping\"}");
        await().atMost(WAIT).until(() -> first.has("pong") && second.has("pong"));

        // The commands wait for the subscriptions, so most events are delivered live (by NOTIFY), not from the backlog.
        UUID task = rest.task(
                workspace,
                "two nodes",
                List.of("sleep 2; for i in $(seq 1 200); do echo line $i; done", "echo second; sleep 1; echo done"));
        UUID run = RestCalls.id(rest.post("/api/runs", Map.of("taskId", task)));
        first.send("{\"type\":\"subscribe_run\",\"runId\":\"" + run + "\"}");
        second.send("{\"type\":\"subscribe_run\",\"runId\":\"" + run + "\"}");
        SseClient sse = SseClient.open(secondApi.port, run);

        await().atMost(WAIT).until(() -> first.ended(run) && second.ended(run) && sse.ended());

        List<JsonNode> stored = rest.get("/api/runs/" + run + "/events?limit=5000")
                .get("items")
                .valueStream()
                .toList();
        assertThat(stored.getLast().get("eventType").asString()).isEqualTo("run.completed");
        List<Long> expected = LongStream.rangeClosed(1, stored.size()).boxed().toList();
        assertThat(stored.stream().map(e -> e.get("sequence").asLong()).toList())
                .as("the stored events have no gap")
                .isEqualTo(expected);
        List<String> types =
                stored.stream().map(e -> e.get("eventType").asString()).toList();
        assertThat(first.sequences(run)).as("WebSocket on the first API").isEqualTo(expected);
        assertThat(second.sequences(run)).as("WebSocket on the second API").isEqualTo(expected);
        assertThat(sse.sequences()).as("SSE on the second API").isEqualTo(expected);
        assertThat(first.types(run)).isEqualTo(types);
        assertThat(second.types(run)).isEqualTo(types);
        assertThat(sse.types()).isEqualTo(types);

        // The run's status changes were made by the worker and the runner; both nodes tell their clients.
        await().atMost(WAIT)
                .until(() -> first.tasksChanged().contains(task.toString())
                        && second.tasksChanged().contains(task.toString()));
        // A change made through one node reaches the other node's client.
        int before = first.tasksChanged().size();
        new RestCalls("http://127.0.0.1:" + secondApi.port)
                .send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + secondApi.port + "/api/tasks/" + task))
                        .header("Content-Type", "application/json")
                        .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"title\":\"renamed on node two\"}"))
                        .build());
        await().atMost(WAIT).until(() -> first.tasksChanged().size() > before);
        assertThat(first.tasksChanged().subList(before, first.tasksChanged().size()))
                .contains(task.toString());

        first.close();
        second.close();
        sse.close();
    }

    /** A WebSocket client of one API node that keeps every message it gets. */
    private static final class Client implements WebSocket.Listener {
        private final List<JsonNode> messages = new CopyOnWriteArrayList<>();
        private final StringBuilder partial = new StringBuilder();
        private WebSocket socket;

        static Client connect(int port) {
            Client client = new Client();
            client.socket = HttpClient.newHttpClient()
                    .newWebSocketBuilder()
                    .buildAsync(URI.create("ws://127.0.0.1:" + port + "/ws"), client)
                    .join();
            return client;
        }

        void send(String text) {
            socket.sendText(text, true).join();
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                messages.add(RestCalls.JSON.readTree(partial.toString()));
                partial.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        boolean has(String type) {
            return messages.stream().anyMatch(m -> type.equals(m.path("type").asString()));
        }

        private List<JsonNode> events(UUID run) {
            return messages.stream()
                    .filter(m -> "run_event".equals(m.path("type").asString())
                            && run.toString().equals(m.path("runId").asString()))
                    .map(m -> m.get("event"))
                    .toList();
        }

        boolean ended(UUID run) {
            return events(run).stream()
                    .anyMatch(e -> e.get("eventType").asString().equals("run.completed")
                            || e.get("eventType").asString().equals("run.failed"));
        }

        List<Long> sequences(UUID run) {
            return events(run).stream().map(e -> e.get("sequence").asLong()).toList();
        }

        List<String> types(UUID run) {
            return events(run).stream().map(e -> e.get("eventType").asString()).toList();
        }

        /** The task ids of the {@code tasks_changed} messages so far, in order ("" for one without an id). */
        List<String> tasksChanged() {
            return messages.stream()
                    .filter(m -> "tasks_changed".equals(m.path("type").asString()))
                    .map(m -> m.path("taskId").asString(""))
                    .toList();
        }

        void close() {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").join();
        }
    }

    /** {@code GET /api/runs/{id}/events/stream}, read line by line as it arrives; the stream ends after the run. */
    private static final class SseClient {
        private final List<Long> ids = Collections.synchronizedList(new ArrayList<>());
        private final List<String> names = Collections.synchronizedList(new ArrayList<>());
        private final CompletableFuture<Void> end = new CompletableFuture<>();
        private volatile InputStream body;

        static SseClient open(int port, UUID run) throws Exception {
            SseClient client = new SseClient();
            HttpResponse<InputStream> response = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create(
                                            "http://127.0.0.1:" + port + "/api/runs/" + run + "/events/stream"))
                                    .header("Accept", "text/event-stream")
                                    .build(),
                            HttpResponse.BodyHandlers.ofInputStream());
            assertThat(response.statusCode()).isEqualTo(200);
            client.body = response.body();
            Thread.ofVirtual().name("sse-" + run).start(client::read);
            return client;
        }

        private void read() {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    if (line.startsWith("id:")) {
                        ids.add(Long.parseLong(line.substring(3).strip()));
                    } else if (line.startsWith("event:")) {
                        names.add(line.substring(6).strip());
                    }
                }
                end.complete(null);
            } catch (IOException e) {
                end.completeExceptionally(e);
            }
        }

        boolean ended() {
            return end.isDone();
        }

        List<Long> sequences() {
            end.join(); // the server ended the stream normally, after the terminal event
            return List.copyOf(ids);
        }

        List<String> types() {
            return List.copyOf(names);
        }

        void close() throws IOException {
            body.close();
        }
    }

    static final class PrintLogsOnFailure implements TestWatcher {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            if (stack != null) {
                for (Stack.Service service : List.of(stack.api, secondApi, stack.worker, stack.runner)) {
                    if (service != null) {
                        System.out.println("----- " + service.name + " log -----\n" + service.tail());
                    }
                }
            }
        }
    }
}
