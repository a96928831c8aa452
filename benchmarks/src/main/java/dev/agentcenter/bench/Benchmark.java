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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
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
 *   <li>realtime latency: a run prints 300 {@code date +%s%N} timestamps 10 ms apart; a WebSocket subscriber
 *       records receive time minus printed time (p50/p95). The subscription is made right after queueing, while
 *       the command's first {@code sleep 1} runs, so every line is delivered live, not from the backlog;
 *   <li>{@code seq 100000} over WebSocket: every line delivered in order, and how long after the run's
 *       {@code finishedAt} the last one arrived;
 *   <li>1,000 WebSocket subscribers (one shared {@code HttpClient}) on one run printing timestamps: all get every
 *       event, p95 latency; and the API's realtime database queries per second with 1 and with 1,000 subscribers,
 *       from the counters of {@code GET /api/realtime/stats} (every query the realtime code makes is counted there;
 *       the benchmark only knows the API's URL, so it cannot read {@code pg_stat_statements}).
 * </ol>
 *
 *
 * <p>With {@code --agents}, only this item runs instead:
 *
 * <ol start="7">
 *   <li>follow-up → first streamed token: a task whose agent is Claude Code gets a first run, then follow-ups; for
 *       each, the time from sending {@code POST /api/tasks/{id}/follow-ups} to receiving the run's first
 *       {@code agent.message.delta} over WebSocket (p50/p95), and the same from the server's timestamps (the run's
 *       {@code queuedAt} to the delta's {@code createdAt}). It needs a stack whose runner starts a fake Claude CLI
 *       and has a key for it: {@code RUNNER_CLAUDE_PATH=<copy of runner-service/src/test/resources/fake-agents>/claude
 *       ANTHROPIC_API_KEY=sk-ant-bench-fake-key ./agent-center up}; the fake answers at once, so the figure is Agent
 *       Center's own overhead (queue, dispatch, session lookup, process start, event path), not a model's.
 * </ol>
 *
 * <p>With {@code --runs N} (and optionally {@code --runners R}), only this item runs instead:
 *
 * <ol start="8">
 *   <li>throughput: N one-command runs queued at once (16 parallel POSTs) → all terminal, as runs/s, from the
 *       client's clock and from the server's timestamps (first {@code queuedAt} → last {@code finishedAt}), and how
 *       the runs spread over the runners. {@code --runners R} first waits (up to a minute) until R runners are
 *       online and refuses to measure with fewer, so a figure is never reported for the wrong setup; start the extra
 *       runner processes yourself (README, "Benchmarks").
 * </ol>
 *
 * <p>Usage: {@code ./agent-center bench [--api http://127.0.0.1:3000] [--token T] [--samples 40]
 * [--subscribers 1000] [--realtime-only] [--agents] [--runs 100 [--runners 2]]} against a stack started with
 * {@code ./agent-center up}.
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
        int subscribers = 1000;
        boolean realtimeOnly = false;
        boolean agents = false;
        int runs = 0;
        int runners = 0;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--api" -> api = args[++i];
                case "--token" -> token = args[++i];
                case "--samples" -> samples = Integer.parseInt(args[++i]);
                case "--subscribers" -> subscribers = Integer.parseInt(args[++i]);
                case "--realtime-only" -> realtimeOnly = true;
                case "--agents" -> agents = true;
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--runners" -> runners = Integer.parseInt(args[++i]);
                default -> {
                    System.err.println("Usage: bench [--api URL] [--token TOKEN] [--samples N] [--subscribers N]"
                            + " [--realtime-only] [--agents] [--runs N [--runners N]]");
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
        if (agents) {
            benchmark.followUpToFirstToken(samples);
            return;
        }
        if (runs > 0) {
            benchmark.throughput(runs, runners);
            return;
        }
        if (!realtimeOnly) {
            benchmark.singleRunLatency(samples);
            benchmark.burst(50);
            benchmark.bigOutput(100_000);
        }
        benchmark.realtimeLatency(300);
        benchmark.realtimeBigOutput(100_000);
        benchmark.realtimeFanOut(subscribers);
    }

    private static final String TIMESTAMPS = "sleep %d; for i in $(seq 1 %d); do echo $(date +%%s%%N); sleep %s; done";

    private void realtimeLatency(int lines) {
        String task = task("realtime latency", List.of(String.format(TIMESTAMPS, 1, lines, "0.01")));
        String run = post("/api/runs", Map.of("taskId", task)).get("id").asString();
        RunFollower follower = follower(run, false);
        try {
            follower.open().get(10, TimeUnit.SECONDS);
            follower.subscribed.get(10, TimeUnit.SECONDS);
            follower.ended.get(5, TimeUnit.MINUTES);
        } catch (Exception e) {
            throw new IllegalStateException("realtime latency: " + e, e);
        } finally {
            follower.close();
        }
        requireCompleted(get("/api/runs/" + run));
        List<Double> latencies = follower.latencies();
        if (latencies.size() != lines || follower.duplicatesOrGaps() > 0) {
            throw new IllegalStateException("realtime latency: got " + latencies.size() + " of " + lines + " lines, "
                    + follower.duplicatesOrGaps() + " out of order");
        }
        System.out.printf(
                "4. printed line -> received by a WebSocket client (%d lines, 10 ms apart): p50 %.1f ms,"
                        + " p95 %.1f ms, max %.1f ms%n",
                lines, percentile(latencies, 50), percentile(latencies, 95), Collections.max(latencies));
    }

    private void realtimeBigOutput(int lines) {
        String task = task("realtime seq " + lines, List.of("sleep 1; seq " + lines));
        String run = post("/api/runs", Map.of("taskId", task)).get("id").asString();
        RunFollower follower = follower(run, true);
        try {
            follower.open().get(10, TimeUnit.SECONDS);
            follower.ended.get(10, TimeUnit.MINUTES);
        } catch (Exception e) {
            throw new IllegalStateException("realtime seq: " + e, e);
        } finally {
            follower.close();
        }
        JsonNode done = get("/api/runs/" + run);
        requireCompleted(done);
        List<String> received = follower.lines;
        for (int i = 0; i < received.size(); i++) {
            if (!received.get(i).equals(Integer.toString(i + 1))) {
                throw new IllegalStateException("realtime seq: line " + (i + 1) + " was " + received.get(i));
            }
        }
        if (received.size() != lines || follower.duplicatesOrGaps() > 0) {
            throw new IllegalStateException("realtime seq: got " + received.size() + " of " + lines + " lines, "
                    + follower.duplicatesOrGaps() + " out of order");
        }
        Instant finished = Instant.parse(done.get("finishedAt").asString());
        long finishedNanos = finished.getEpochSecond() * 1_000_000_000L + finished.getNano();
        System.out.printf(
                "5. `seq %d` over WebSocket: all %d lines delivered in order, none duplicated (%d resumes);"
                        + " last line received %.0f ms after the run's finishedAt (run took %.0f ms)%n",
                lines,
                received.size(),
                follower.reconnects(),
                (follower.lastLineAtNanos() - finishedNanos) / 1e6,
                serverMillis(done));
    }

    private void realtimeFanOut(int subscribers) {
        int lines = 100;
        double oneSubscriber = fanOutQueriesPerSecond(1, lines, null);
        List<Double> latencies = new ArrayList<>();
        double many = fanOutQueriesPerSecond(subscribers, lines, latencies);
        System.out.printf(
                "6. %d WebSocket subscribers on one run printing %d timestamps 50 ms apart: all got every event;"
                        + " latency p50 %.1f ms, p95 %.1f ms, max %.1f ms%n"
                        + "   API realtime database queries/s while the run printed: %.1f with 1 subscriber,"
                        + " %.1f with %d%n",
                subscribers,
                lines,
                percentile(latencies, 50),
                percentile(latencies, 95),
                Collections.max(latencies),
                oneSubscriber,
                many,
                subscribers);
    }

    /** Runs the timestamp command with n subscribers; returns the realtime queries per second while it ran. */
    private double fanOutQueriesPerSecond(int subscribers, int lines, List<Double> latencies) {
        String task = task("realtime fan-out " + subscribers, List.of(String.format(TIMESTAMPS, 3, lines, "0.05")));
        String run = post("/api/runs", Map.of("taskId", task)).get("id").asString();
        List<RunFollower> followers = new ArrayList<>();
        try {
            List<CompletableFuture<?>> opening = new ArrayList<>();
            for (int i = 0; i < subscribers; i++) {
                RunFollower follower = follower(run, false);
                followers.add(follower);
                opening.add(follower.open().thenCompose(ws -> follower.subscribed));
            }
            CompletableFuture.allOf(opening.toArray(CompletableFuture[]::new)).get(2, TimeUnit.MINUTES);
            JsonNode before = get("/api/realtime/stats");
            long start = System.nanoTime();
            for (RunFollower follower : followers) {
                follower.ended.get(5, TimeUnit.MINUTES);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            JsonNode after = get("/api/realtime/stats");
            requireCompleted(get("/api/runs/" + run));
            for (RunFollower follower : followers) {
                if (follower.latencies().size() != lines || follower.duplicatesOrGaps() > 0) {
                    throw new IllegalStateException(
                            "fan-out: a subscriber got " + follower.latencies().size() + " of " + lines + " lines, "
                                    + follower.duplicatesOrGaps() + " out of order");
                }
                if (latencies != null) {
                    latencies.addAll(follower.latencies());
                }
            }
            return (queries(after) - queries(before)) / seconds;
        } catch (Exception e) {
            throw new IllegalStateException("fan-out with " + subscribers + " subscribers: " + e, e);
        } finally {
            followers.forEach(RunFollower::close);
        }
    }

    private static long queries(JsonNode stats) {
        return stats.get("feedReads").asLong()
                + stats.get("backlogReads").asLong()
                + stats.get("runLookups").asLong();
    }

    private RunFollower follower(String run, boolean keepLines) {
        URI ws = URI.create(api.replaceFirst("^http", "ws") + "/ws");
        return new RunFollower(http, ws, token, run, JSON, keepLines);
    }

    private void followUpToFirstToken(int samples) {
        int warmup = 3;
        String task = post(
                        "/api/tasks",
                        Map.of(
                                "workspaceId",
                                workspace,
                                "title",
                                "agent follow-ups",
                                "prompt",
                                "Write a greeting",
                                "config",
                                Map.of("agent", Map.of("provider", "claude"))))
                .get("id")
                .asString();
        String first = post("/api/runs", Map.of("taskId", task)).get("id").asString();
        JsonNode done = awaitTerminal(first);
        if (!"completed".equals(done.get("status").asString())) {
            throw new IllegalStateException("the first agent run ended "
                    + done.get("status").asString() + ": "
                    + done.get("errorMessage") + " (start the stack with RUNNER_CLAUDE_PATH pointing at the fake"
                    + " Claude CLI and ANTHROPIC_API_KEY set, see the class comment)");
        }
        List<Double> client = new ArrayList<>();
        List<Double> server = new ArrayList<>();
        for (int i = 0; i < warmup + samples; i++) {
            long start = RunFollower.epochNanos();
            JsonNode run = post("/api/tasks/" + task + "/follow-ups", Map.of("prompt", "Follow-up " + i));
            String id = run.get("id").asString();
            RunFollower follower = follower(id, false);
            long firstDelta;
            try {
                follower.open().get(10, TimeUnit.SECONDS);
                firstDelta = follower.firstAgentDelta.get(1, TimeUnit.MINUTES);
                follower.ended.get(1, TimeUnit.MINUTES);
            } catch (Exception e) {
                throw new IllegalStateException("follow-up " + i + ": " + e, e);
            } finally {
                follower.close();
            }
            JsonNode finished = get("/api/runs/" + id);
            requireCompleted(finished);
            Instant queued = Instant.parse(finished.get("queuedAt").asString());
            Instant delta = null;
            for (JsonNode event : get("/api/runs/" + id + "/events?limit=200").get("items")) {
                if (event.get("eventType").asString().equals("agent.message.delta")) {
                    delta = Instant.parse(event.get("createdAt").asString());
                    break;
                }
            }
            if (delta == null) {
                throw new IllegalStateException("follow-up " + i + " stored no agent.message.delta");
            }
            if (i >= warmup) {
                client.add((firstDelta - start) / 1e6);
                server.add(Duration.between(queued, delta).toNanos() / 1e6);
            }
        }
        System.out.printf(
                "7. follow-up POST -> first agent.message.delta (fake Claude Code CLI, %d follow-ups, sequential)%n"
                        + "   client (POST sent -> delta received over WebSocket): p50 %.1f ms, p95 %.1f ms,"
                        + " max %.1f ms%n"
                        + "   server (run queuedAt -> delta createdAt): p50 %.1f ms, p95 %.1f ms%n",
                samples,
                percentile(client, 50),
                percentile(client, 95),
                Collections.max(client),
                percentile(server, 50),
                percentile(server, 95));
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
        List<String> runs = queueAtOnce(tasks);
        long queuedAt = System.nanoTime();
        Batch batch = awaitBatch(runs);
        long end = System.nanoTime();
        System.out.printf(
                "2. %d one-command runs queued at once (16 parallel POSTs, all queued in %.0f ms)%n"
                        + "   client: all terminal %.0f ms after the first POST%n"
                        + "   server: first queuedAt -> last finishedAt %.0f ms%n",
                count, (queuedAt - start) / 1e6, (end - start) / 1e6, batch.serverSeconds() * 1000);
    }

    /** Item 8: how many one-command runs per second the stack's runners finish when a batch arrives at once. */
    private void throughput(int count, int expectedRunners) {
        List<JsonNode> online = onlineRunners(expectedRunners);
        int capacity = online.stream().mapToInt(r -> r.get("capacity").asInt()).sum();
        List<String> tasks = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            tasks.add(task("throughput " + i, List.of("echo run " + i)));
        }
        long start = System.nanoTime();
        List<String> runs = queueAtOnce(tasks);
        Batch batch = awaitBatch(runs);
        Map<String, Integer> perRunner = new java.util.TreeMap<>();
        Map<String, String> names = new java.util.HashMap<>();
        online.forEach(r -> names.put(r.get("id").asString(), r.get("name").asString()));
        batch.runnerIds().forEach(id -> perRunner.merge(names.getOrDefault(id, id), 1, Integer::sum));
        double clientSeconds = (System.nanoTime() - start) / 1e9;
        double serverSeconds = batch.serverSeconds();
        System.out.printf(
                "8. throughput: %d one-command runs queued at once on %d runner(s), total capacity %d%n"
                        + "   client: all terminal in %.2f s = %.2f runs/s%n"
                        + "   server: first queuedAt -> last finishedAt %.2f s = %.2f runs/s%n"
                        + "   runs per runner: %s%n",
                count,
                online.size(),
                capacity,
                clientSeconds,
                count / clientSeconds,
                serverSeconds,
                count / serverSeconds,
                perRunner);
    }

    /** A batch of finished runs: first {@code queuedAt} → last {@code finishedAt}, and who ran each. */
    private record Batch(double serverSeconds, List<String> runnerIds) {}

    /** Waits until every run is terminal, requiring each to have completed. */
    private Batch awaitBatch(List<String> runs) {
        Instant firstQueued = null;
        Instant lastFinished = null;
        List<String> runnerIds = new ArrayList<>();
        for (String run : runs) {
            JsonNode done = awaitTerminal(run);
            requireCompleted(done);
            Instant queued = Instant.parse(done.get("queuedAt").asString());
            Instant finished = Instant.parse(done.get("finishedAt").asString());
            firstQueued = firstQueued == null || queued.isBefore(firstQueued) ? queued : firstQueued;
            lastFinished = lastFinished == null || finished.isAfter(lastFinished) ? finished : lastFinished;
            runnerIds.add(done.path("runnerId").asString("?"));
        }
        return new Batch(Duration.between(firstQueued, lastFinished).toNanos() / 1e9, runnerIds);
    }

    /** The online runners, after waiting (bounded) until there are at least {@code expected} of them. */
    private List<JsonNode> onlineRunners(int expected) {
        Instant deadline = Instant.now().plus(Duration.ofMinutes(1));
        while (true) {
            List<JsonNode> online = get("/api/runners")
                    .get("items")
                    .valueStream()
                    .filter(r -> "online".equals(r.get("status").asString()))
                    .toList();
            if (online.size() >= Math.max(expected, 1)) {
                return online;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException(online.size() + " runner(s) online, " + expected
                        + " expected (--runners): start the others first (README, Benchmarks)");
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /** Queues a run of every task with 16 POSTs in flight at a time; the run ids, in the tasks' order. */
    private List<String> queueAtOnce(List<String> tasks) {
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
        return runs;
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
