package dev.agentcenter.api.realtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentcenter.api.ApiTestBase;
import dev.agentcenter.support.ledger.RunEventWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/** Runs created through the API, events appended the way a runner does, and a WebSocket client. */
abstract class RealtimeTestSupport extends ApiTestBase {

    static final HttpClient WS_HTTP = HttpClient.newHttpClient();

    @Autowired
    DataSource dataSource;

    private final List<WsClient> clients = new ArrayList<>();

    @AfterEach
    void closeClients() {
        synchronized (clients) {
            clients.forEach(WsClient::abort);
            clients.clear();
        }
    }

    UUID newTask() {
        return post(
                        "/api/tasks",
                        Map.of(
                                "workspaceId",
                                newWorkspace(),
                                "title",
                                "Realtime",
                                "config",
                                Map.of("commands", List.of(Map.of("command", "echo hi")))))
                .expect(201)
                .id();
    }

    /** A queued run (nothing executes it in these tests); its first event, run.created, has sequence 1. */
    UUID newRun() {
        return post("/api/runs", Map.of("taskId", newTask())).expect(201).id();
    }

    /** Appends {@code count} output lines in one transaction, as a runner does; returns the last sequence. */
    long append(UUID run, int count) {
        return append(run, count, "run.log");
    }

    long append(UUID run, int count, String eventType) {
        List<RunEventWriter.Draft> drafts = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            drafts.add(new RunEventWriter.Draft(
                    eventType, "info", "line " + i, "{\"stream\":\"stdout\",\"commandIndex\":0}"));
        }
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            long last = RunEventWriter.append(connection, run, null, drafts).orElseThrow();
            connection.commit();
            return last;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    long lastSequence(UUID run) {
        return db.sql("SELECT last_sequence FROM runs WHERE id = :id")
                .param("id", run)
                .query(Long.class)
                .single();
    }

    static List<Long> range(long firstInclusive, long lastInclusive) {
        return LongStream.rangeClosed(firstInclusive, lastInclusive).boxed().toList();
    }

    WsClient connect() {
        return connect("/ws", null);
    }

    WsClient connect(String pathAndQuery, String bearer) {
        WsClient client = new WsClient();
        WebSocket.Builder builder = WS_HTTP.newWebSocketBuilder();
        if (bearer != null) {
            builder.header("Authorization", "Bearer " + bearer);
        }
        client.socket = builder.buildAsync(URI.create("ws://127.0.0.1:" + port + pathAndQuery), client)
                .join();
        synchronized (clients) {
            clients.add(client);
        }
        return client;
    }

    /**
     * A WebSocket client that records the sequences of the run events it gets (all runs together: tests use one
     * run per client) and queues every other message.
     */
    static final class WsClient implements WebSocket.Listener {

        final LinkedBlockingQueue<JsonNode> messages = new LinkedBlockingQueue<>();
        final CompletableFuture<Integer> closed = new CompletableFuture<>();
        private final List<Long> sequences = new ArrayList<>();
        private final List<JsonNode> events = new ArrayList<>();
        private final StringBuilder partial = new StringBuilder();
        private boolean dropped;
        boolean keepEvents;
        WebSocket socket;

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                JsonNode message = JSON.readTree(partial.toString());
                partial.setLength(0);
                if (message.get("type").asString().equals("run_event")) {
                    synchronized (this) {
                        if (!dropped) {
                            sequences.add(message.get("event").get("sequence").asLong());
                            if (keepEvents) {
                                events.add(message);
                            }
                        }
                    }
                } else {
                    messages.add(message);
                }
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closed.complete(-1);
        }

        void send(String text) {
            socket.sendText(text, true).join();
        }

        void send(Map<String, ?> message) {
            send(JSON.writeValueAsString(message));
        }

        void subscribe(UUID run, Long afterSequence) {
            send(
                    afterSequence == null
                            ? Map.of("type", "subscribe_run", "runId", run.toString())
                            : Map.of("type", "subscribe_run", "runId", run.toString(), "afterSequence", afterSequence));
        }

        /** The next non-event message (waits for it). */
        JsonNode next() {
            try {
                JsonNode message = messages.poll(30, TimeUnit.SECONDS);
                assertThat(message).as("a message from the server").isNotNull();
                return message;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        synchronized List<Long> sequences() {
            return List.copyOf(sequences);
        }

        synchronized List<JsonNode> events() {
            return List.copyOf(events);
        }

        synchronized long lastSequence() {
            return sequences.isEmpty() ? 0 : sequences.getLast();
        }

        synchronized int count() {
            return sequences.size();
        }

        /** Stops recording (what came so far is what this client saw) and drops the connection. */
        List<Long> drop() {
            List<Long> seen;
            synchronized (this) {
                dropped = true;
                seen = List.copyOf(sequences);
            }
            socket.abort();
            return seen;
        }

        void abort() {
            if (socket != null) {
                socket.abort();
            }
        }
    }
}
