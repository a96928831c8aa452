package dev.agentcenter.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * One WebSocket subscriber of one run, as a client would write it: it checks that sequences arrive without gap or
 * duplicate, records when each output line arrived, and resumes with {@code afterSequence} if the server closes it
 * (e.g. 4008, too slow).
 */
final class RunFollower implements WebSocket.Listener {

    private final HttpClient http;
    private final URI uri;
    private final String token;
    private final String run;
    private final ObjectMapper json;
    private final boolean keepLines;
    private final StringBuilder partial = new StringBuilder();

    final CompletableFuture<Void> subscribed = new CompletableFuture<>();
    final CompletableFuture<Void> ended = new CompletableFuture<>();
    /** When (epoch ns) the first {@code agent.message.delta} arrived. */
    final CompletableFuture<Long> firstAgentDelta = new CompletableFuture<>();
    /** Printed epoch-ns → received, in ms, for lines that are a {@code date +%s%N} timestamp. */
    final List<Double> latencies = new ArrayList<>();

    final List<String> lines = new ArrayList<>();
    private long lastSequence;
    private long duplicatesOrGaps;
    private long logLines;
    private long lastLineAtNanos;
    private int reconnects;
    private volatile boolean finished;
    private volatile WebSocket socket;

    RunFollower(HttpClient http, URI uri, String token, String run, ObjectMapper json, boolean keepLines) {
        this.http = http;
        this.uri = uri;
        this.token = token;
        this.run = run;
        this.json = json;
        this.keepLines = keepLines;
    }

    /** Connects and subscribes (from the last sequence seen, when resuming). */
    CompletableFuture<WebSocket> open() {
        WebSocket.Builder builder = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
        if (token != null && !token.isBlank()) {
            builder.header("Authorization", "Bearer " + token);
        }
        return builder.buildAsync(uri, this).thenCompose(ws -> {
            socket = ws;
            long after;
            synchronized (this) {
                after = lastSequence;
            }
            return ws.sendText(
                    json.writeValueAsString(Map.of("type", "subscribe_run", "runId", run, "afterSequence", after)),
                    true);
        });
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            String text = partial.toString();
            partial.setLength(0);
            try {
                handle(text);
            } catch (RuntimeException e) {
                ended.completeExceptionally(e);
            }
        }
        webSocket.request(1);
        return null;
    }

    private void handle(String text) {
        long now = epochNanos();
        JsonNode message = json.readTree(text);
        switch (message.get("type").asString()) {
            case "subscribed" -> subscribed.complete(null);
            case "run_event" -> {
                JsonNode event = message.get("event");
                long sequence = event.get("sequence").asLong();
                String type = event.get("eventType").asString();
                synchronized (this) {
                    if (sequence != lastSequence + 1) {
                        duplicatesOrGaps++;
                    }
                    lastSequence = Math.max(lastSequence, sequence);
                    if (type.equals("run.log")) {
                        logLines++;
                        lastLineAtNanos = now;
                        String line = event.get("message").isNull()
                                ? ""
                                : event.get("message").asString();
                        if (keepLines) {
                            lines.add(line);
                        }
                        if (line.length() >= 18
                                && line.length() <= 20
                                && line.chars().allMatch(Character::isDigit)) {
                            latencies.add((now - Long.parseLong(line)) / 1e6);
                        }
                    }
                }
                if (type.equals("agent.message.delta")) {
                    firstAgentDelta.complete(now);
                }
                if (type.equals("run.completed") || type.equals("run.failed") || type.equals("run.cancelled")) {
                    finished = true;
                    ended.complete(null);
                    webSocket().sendClose(WebSocket.NORMAL_CLOSURE, "done");
                }
            }
            case "error" -> ended.completeExceptionally(new IllegalStateException("server error: " + text));
            default -> {}
        }
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        resumeUnlessFinished();
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        resumeUnlessFinished();
    }

    private void resumeUnlessFinished() {
        if (finished || ended.isDone()) {
            return;
        }
        synchronized (this) {
            reconnects++;
            if (reconnects > 20) {
                ended.completeExceptionally(new IllegalStateException("gave up after 20 reconnects"));
                return;
            }
        }
        CompletableFuture.delayedExecutor(200, TimeUnit.MILLISECONDS)
                .execute(() -> open().exceptionally(e -> {
                    resumeUnlessFinished();
                    return null;
                }));
    }

    void close() {
        finished = true;
        WebSocket ws = socket;
        if (ws != null) {
            ws.abort();
        }
    }

    private WebSocket webSocket() {
        return socket;
    }

    synchronized long lastSequence() {
        return lastSequence;
    }

    synchronized long duplicatesOrGaps() {
        return duplicatesOrGaps;
    }

    synchronized long logLines() {
        return logLines;
    }

    synchronized long lastLineAtNanos() {
        return lastLineAtNanos;
    }

    synchronized int reconnects() {
        return reconnects;
    }

    synchronized List<Double> latencies() {
        return List.copyOf(latencies);
    }

    static long epochNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }
}
