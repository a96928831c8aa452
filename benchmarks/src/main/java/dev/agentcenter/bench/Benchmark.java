package dev.agentcenter.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * Measures a running Agent Center from outside, through its REST API only, as a user would experience it:
 *
 * <ol>
 *   <li>queue → terminal of one {@code echo hi} run, repeated (p50/p95), as seen by the client and by the server's
 *       own timestamps;
 *   <li>50 one-command runs queued at once: time until all are terminal;
 *   <li>{@code seq 100000}: time until the run is terminal, then every line read back and checked (count, order,
 *       no duplicate).
 * </ol>
 *
 * <p>Usage: {@code ./agent-center bench [--api http://127.0.0.1:3000] [--token T] [--samples 40]} against a stack
 * started with {@code ./agent-center up}.
 */
public final class Benchmark {

    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final Set<String> TERMINAL = Set.of("completed", "failed", "cancelled");
    private static final Duration POLL = Duration.ofMillis(2);

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String api;
    private final String token;
    private String workspace;

    private Benchmark(String api, String token) {
        this.api = api.replaceAll("/+$", "");
        this.token = token;
    }

    public static void main(String[] args) {
        String api = System.getenv().getOrDefault("AGENT_CENTER_URL", "http://127.0.0.1:3000");
        String token = System.getenv("AGENT_CENTER_API_TOKEN");
        int samples = 40;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--api" -> api = args[++i];
                case "--token" -> token = args[++i];
                case "--samples" -> samples = Integer.parseInt(args[++i]);
                default -> {
                    System.err.println("Usage: bench [--api URL] [--token TOKEN] [--samples N]");
                    System.exit(2);
                }
            }
        }
        Benchmark benchmark = new Benchmark(api, token);
        benchmark.workspace = benchmark
                .post("/api/workspaces", Map.of("slug", "bench-" + System.currentTimeMillis(), "name", "Benchmark"))
                .get("id")
                .asString();
        System.out.println("Agent Center benchmark against " + api + " ("
                + Runtime.getRuntime().availableProcessors() + " cores)");
        benchmark.singleRunLatency(samples);
        benchmark.burst(50);
        benchmark.bigOutput(100_000);
    }

    private void singleRunLatency(int samples) {
        int warmup = 5;
        List<Double> client = new ArrayList<>();
        List<Double> server = new ArrayList<>();
        for (int i = 0; i < warmup + samples; i++) {
            String task = task("latency " + i, List.of("echo hi"));
            long start = System.nanoTime();
            String run = post("/api/runs", Map.of("taskId", task)).get("id").asString();
            JsonNode done = awaitTerminal(run);
            long end = System.nanoTime();
            requireCompleted(done);
            if (i >= warmup) {
                client.add((end - start) / 1e6);
                server.add(serverMillis(done));
            }
        }
        System.out.printf(
                "1. queue -> terminal of `echo hi` (%d runs, sequential)%n"
                        + "   client: p50 %.1f ms, p95 %.1f ms, max %.1f ms%n"
                        + "   server (finishedAt - queuedAt): p50 %.1f ms, p95 %.1f ms%n",
                samples,
                percentile(client, 50),
                percentile(client, 95),
                Collections.max(client),
                percentile(server, 50),
                percentile(server, 95));
    }

    private void burst(int count) {
        List<String> tasks = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            tasks.add(task("burst " + i, List.of("echo burst " + i)));
        }
        long start = System.nanoTime();
        List<String> runs = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(16)) {
            List<Future<String>> queued = new ArrayList<>();
            for (String task : tasks) {
                queued.add(pool.submit(() ->
                        post("/api/runs", Map.of("taskId", task)).get("id").asString()));
            }
            for (Future<String> run : queued) {
                runs.add(run.get());
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        long queuedAt = System.nanoTime();
        Instant firstQueued = null;
        Instant lastFinished = null;
        for (String run : runs) {
            JsonNode done = awaitTerminal(run);
            requireCompleted(done);
            Instant queued = Instant.parse(done.get("queuedAt").asString());
            Instant finished = Instant.parse(done.get("finishedAt").asString());
            firstQueued = firstQueued == null || queued.isBefore(firstQueued) ? queued : firstQueued;
            lastFinished = lastFinished == null || finished.isAfter(lastFinished) ? finished : lastFinished;
        }
        long end = System.nanoTime();
        System.out.printf(
                "2. %d one-command runs queued at once (16 parallel POSTs, all queued in %.0f ms)%n"
                        + "   client: all terminal %.0f ms after the first POST%n"
                        + "   server: first queuedAt -> last finishedAt %.0f ms%n",
                count,
                (queuedAt - start) / 1e6,
                (end - start) / 1e6,
                Duration.between(firstQueued, lastFinished).toNanos() / 1e6);
    }

    private void bigOutput(int lines) {
        String task = task("seq " + lines, List.of("seq " + lines));
        long start = System.nanoTime();
        String run = post("/api/runs", Map.of("taskId", task)).get("id").asString();
        JsonNode done = awaitTerminal(run);
        long end = System.nanoTime();
        requireCompleted(done);
        long readStart = System.nanoTime();
        long after = 0;
        long expected = 1;
        long previousSequence = 0;
        int pages = 0;
        while (true) {
            JsonNode page = get("/api/runs/" + run + "/logs?limit=5000&afterSequence=" + after);
            pages++;
            for (JsonNode line : page.get("items")) {
                long sequence = line.get("sequence").asLong();
                if (sequence <= previousSequence) {
                    throw new IllegalStateException("sequence went backwards at " + sequence);
                }
                previousSequence = sequence;
                long value = Long.parseLong(line.get("line").asString());
                if (value != expected) {
                    throw new IllegalStateException("expected line " + expected + " but got " + value);
                }
                expected++;
            }
            if (page.get("nextCursor").isNull()) {
                break;
            }
            after = Long.parseLong(page.get("nextCursor").asString());
        }
        long stored = expected - 1;
        if (stored != lines) {
            throw new IllegalStateException("stored " + stored + " lines instead of " + lines);
        }
        System.out.printf(
                "3. `seq %d`: run terminal %.0f ms after queueing (server %.0f ms); all %d lines stored, in order,"
                        + " none duplicated (read back in %.0f ms, %d pages)%n",
                lines, (end - start) / 1e6, serverMillis(done), stored, (System.nanoTime() - readStart) / 1e6, pages);
    }

    private String task(String title, List<String> commands) {
        return post(
                        "/api/tasks",
                        Map.of(
                                "workspaceId", workspace,
                                "title", title,
                                "config",
                                        Map.of(
                                                "commands",
                                                commands.stream()
                                                        .map(c -> Map.of("command", c))
                                                        .toList())))
                .get("id")
                .asString();
    }

    private JsonNode awaitTerminal(String run) {
        Instant deadline = Instant.now().plus(Duration.ofMinutes(5));
        while (Instant.now().isBefore(deadline)) {
            JsonNode current = get("/api/runs/" + run);
            if (TERMINAL.contains(current.get("status").asString())) {
                return current;
            }
            try {
                Thread.sleep(POLL);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new IllegalStateException("run " + run + " did not end within 5 minutes");
    }

    private static void requireCompleted(JsonNode run) {
        if (!"completed".equals(run.get("status").asString())) {
            throw new IllegalStateException("run " + run.get("id").asString() + " ended "
                    + run.get("status").asString() + ": " + run.get("errorMessage"));
        }
    }

    private static double serverMillis(JsonNode run) {
        return Duration.between(
                                Instant.parse(run.get("queuedAt").asString()),
                                Instant.parse(run.get("finishedAt").asString()))
                        .toNanos()
                / 1e6;
    }

    private static double percentile(List<Double> values, int percentile) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int index = (int) Math.ceil(percentile / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(index, sorted.size() - 1)));
    }

    private JsonNode get(String path) {
        return send(request(path).GET().build(), 200);
    }

    private JsonNode post(String path, Object body) {
        return send(
                request(path)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
                        .build(),
                201);
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(api + path));
        if (token != null && !token.isBlank()) {
            builder.header("Authorization", "Bearer " + token);
        }
        return builder;
    }

    private JsonNode send(HttpRequest request, int expected) {
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != expected) {
                throw new IllegalStateException(request.method() + " " + request.uri() + " answered "
                        + response.statusCode() + ": " + response.body());
            }
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException("Is the stack running? (./agent-center up) " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
