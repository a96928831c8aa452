package dev.agentcenter.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentcenter.model.RunEvent;
import dev.agentcenter.sdk.AgentCenterClient;
import dev.agentcenter.sdk.AgentCenterException;
import dev.agentcenter.sdk.RunEventListener;
import dev.agentcenter.sdk.Subscription;
import dev.agentcenter.testing.StoppablePostgres;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;
import tools.jackson.databind.JsonNode;

/**
 * Hostile output and outages against the three service jars (each with the launcher's {@code -Xmx256m}) and a
 * Postgres of this test's own, which it stops and starts: a 200 MB line, a {@code yes} flood, Postgres gone for 10 s
 * and for 60 s mid-run, the API killed and restarted under a live SDK stream. After each: every service alive and
 * answering, every line stored once and in order, the run's pages loading. The services' heap high-water marks are
 * read from their GC logs at the end (and printed, for the README).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(FaultsEndToEndTest.PrintLogsOnFailure.class)
class FaultsEndToEndTest {

    private static StoppablePostgres postgres;
    private static Stack stack;
    private static RestCalls rest;
    private static UUID workspace;
    private static UUID hugeLineTask;
    private static UUID floodTask;

    @BeforeAll
    static void start() throws IOException {
        postgres = StoppablePostgres.start();
        // The runner's default sandbox (bubblewrap where it works): the outages hit sandboxed runs, as in production.
        stack = Stack.start(postgres.settings(), Map.of(), Map.of());
        rest = new RestCalls(stack.apiUrl());
        workspace = RestCalls.id(rest.post("/api/workspaces", Map.of("slug", "faults", "name", "Faults")));
    }

    @AfterAll
    static void stop() {
        try {
            if (stack != null) {
                System.out.println(HeapLog.report(stack));
            }
        } finally {
            if (stack != null) {
                stack.close();
            }
            if (postgres != null) {
                postgres.close();
            }
        }
    }

    @Test
    @Order(1)
    void aTwoHundredMegabyteLineNeitherTakesAServiceDownNorFloodsTheStore() {
        UUID run = startRun("huge line", "head -c 150000000 /dev/urandom | base64 -w0; echo; echo after the line");
        hugeLineTask = taskOf(run);

        JsonNode done = awaitTerminal(run);
        // the run's page opens: every page of its events, as the web UI asks for them, with every service alive
        List<JsonNode> events = allEventsAsTheWebUiLoadsThem(run);
        assertEveryServiceHealthy();

        // 200,000,000 bytes on one line: counted against the 64 MiB output cap as it is read, so the run is stopped
        // part way through the line, which is stored once, cut at 64 KiB and marked
        assertThat(done.get("status").asString()).isEqualTo("failed");
        assertThat(done.get("errorCode").asString()).isEqualTo("output_limit_exceeded");
        List<JsonNode> lines = ofType(events, "run.log");
        assertThat(lines).hasSize(1);
        JsonNode line = lines.getFirst();
        assertThat(line.get("message").asString()).hasSize(64 * 1024);
        assertThat(line.get("payload").get("truncated").asBoolean()).isTrue();
        assertThat(line.get("payload").get("originalLength").asLong()).isGreaterThan(64L * 1024 * 1024);
        assertEveryServiceHealthy();
    }

    @Test
    @Order(2)
    void aLongLineIsMarkedOverRestSseAndTheSdk() throws Exception {
        UUID run = startRun("long line", "head -c 1000000 /dev/zero | tr '\\0' x; echo; echo after");
        assertThat(awaitTerminal(run).get("status").asString()).isEqualTo("completed");

        JsonNode cut = ofType(allEventsAsTheWebUiLoadsThem(run), "run.log").getFirst();
        assertThat(cut.get("payload").get("truncated").asBoolean()).isTrue();
        assertThat(cut.get("payload").get("originalLength").asLong()).isEqualTo(1_000_000);
        assertThat(cut.get("message").asString()).isEqualTo("x".repeat(64 * 1024));

        JsonNode logLine = rest.get("/api/runs/" + run + "/logs").get("items").get(0);
        assertThat(logLine.get("truncated").asBoolean()).isTrue();
        assertThat(logLine.get("originalLength").asLong()).isEqualTo(1_000_000);

        String sse = sseBody(run);
        assertThat(sse).contains("\"truncated\":true").contains("\"originalLength\":1000000");

        try (AgentCenterClient client =
                AgentCenterClient.builder().baseUrl(stack.apiUrl()).build()) {
            List<RunEvent> streamed = new ArrayList<>();
            try (var stream = client.runs().stream(run)) {
                stream.forEachRemaining(streamed::add);
            }
            RunEvent marked =
                    streamed.stream().filter(RunEvent::truncated).findFirst().orElseThrow();
            assertThat(marked.originalLength()).isEqualTo(1_000_000L);
            assertThat(marked.message()).hasSize(64 * 1024);
        }
    }

    @Test
    @Order(3)
    void aYesFloodIsStoppedAtTheOutputCapAndEveryPageOfItLoads() {
        UUID run = startRun("flood", "yes");
        floodTask = taskOf(run);

        JsonNode done = awaitTerminal(run, Duration.ofMinutes(5));

        assertThat(done.get("status").asString()).isEqualTo("failed");
        assertThat(done.get("errorCode").asString()).isEqualTo("output_limit_exceeded");
        List<JsonNode> events = allEventsAsTheWebUiLoadsThem(run);
        assertThat(ofType(events, "run.log").size()).isGreaterThan(500_000);
        JsonNode failed = events.getLast();
        assertThat(failed.get("eventType").asString()).isEqualTo("run.failed");
        assertThat(failed.get("payload").get("maxOutputBytes").asLong()).isEqualTo(64L * 1024 * 1024);
        assertEveryServiceHealthy();

        UUID after = startRun("after the flood", "echo fine");
        assertThat(awaitTerminal(after).get("status").asString()).isEqualTo("completed");
    }

    @Test
    @Order(4)
    void postgresStoppedForTenSecondsMidRunLosesNoLineAndStoresNoneTwice() {
        if (Files.isExecutable(Path.of("/usr/bin/bwrap"))) { // as on CI (.ci/run installs it): the runs are sandboxed
            assertThat(rest.get("/api/runners")
                            .get("items")
                            .get(0)
                            .get("isolation")
                            .asString())
                    .isEqualTo("bubblewrap");
        }
        int count = 80;
        UUID run = startRun(
                "outage 10 s",
                "for i in $(seq 1 " + count + "); do echo line-$i; echo $i > progress; sleep 0.25; done");
        await().atMost(Duration.ofSeconds(90)).until(() -> logLines(run).contains("line-5"));
        // The command's progress, written in its workspace (what a sandboxed run can write), read while the API
        // cannot answer.
        Path progress = workspaceOf(run).resolve("progress");

        postgres.stop();
        // down while the command prints 40 more lines: at least 10 s
        await().atMost(Duration.ofMinutes(2)).until(() -> printed(progress) >= 45);
        postgres.startAgain();

        JsonNode done = awaitTerminal(run, Duration.ofMinutes(3));
        assertThat(done.get("status").asString()).isEqualTo("completed");
        assertEveryLineOnceInOrder(run, count);
        assertEveryServiceHealthy();
    }

    @Test
    @Order(5)
    void postgresDownForSixtySecondsMidRunTheRunGoesOnAndLosesNothing() {
        int count = 140;
        UUID run = startRun(
                "outage 60 s", "for i in $(seq 1 " + count + "); do echo line-$i; echo $i > progress; sleep 0.5; done");
        await().atMost(Duration.ofSeconds(90)).until(() -> logLines(run).contains("line-3"));
        // The command's progress, written in its workspace (what a sandboxed run can write), read while the API
        // cannot answer.
        Path progress = workspaceOf(run).resolve("progress");

        postgres.stop();
        // down while the command prints 122 more lines: at least 61 s, twelve times the e2e lease of 5 s
        await().atMost(Duration.ofMinutes(4)).until(() -> printed(progress) >= 125);
        postgres.startAgain();

        // The documented outcome: the runner kept the output (paused, never dropped), renewed its lease as soon as
        // the database was back, and the sweeper gave it that chance: the run completes with every line.
        JsonNode done = awaitTerminal(run, Duration.ofMinutes(3));
        assertThat(done.get("status").asString()).isEqualTo("completed");
        assertEveryLineOnceInOrder(run, count);
        assertEveryServiceHealthy();
    }

    @Test
    @Order(6)
    void theApiKilledAndRestartedMidRunALiveSdkStreamResumesWithNoGapAndNoDuplicate() throws Exception {
        int count = 600;
        UUID run = startRun("api restart", "for i in $(seq 1 " + count + "); do echo line-$i; sleep 0.05; done");
        List<RunEvent> received = new CopyOnWriteArrayList<>();
        CompletableFuture<RunEvent> end = new CompletableFuture<>();
        try (AgentCenterClient client = AgentCenterClient.builder()
                        .baseUrl(stack.apiUrl())
                        .retryDelays(Duration.ofMillis(200), Duration.ofSeconds(2))
                        .streamReconnectAttempts(200)
                        .build();
                Subscription subscription = client.runs().stream(run, 0, new RunEventListener() {
                    @Override
                    public void onEvent(RunEvent event) {
                        received.add(event);
                    }

                    @Override
                    public void onEnd(RunEvent terminalEvent) {
                        end.complete(terminalEvent);
                    }

                    @Override
                    public void onFailure(AgentCenterException error) {
                        end.completeExceptionally(error);
                    }
                })) {
            await().atMost(Duration.ofSeconds(90)).until(() -> received.size() >= 40);

            stack.api.kill();
            stack.api.start();
            stack.api.awaitHealthy();

            RunEvent terminal = end.get(3, java.util.concurrent.TimeUnit.MINUTES);
            assertThat(terminal.eventType()).isEqualTo("run.completed");
        }
        assertThat(received)
                .extracting(RunEvent::sequence)
                .as("every event once, in order, across the restart")
                .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, received.size())
                        .boxed()
                        .toList());
        List<String> lines = received.stream()
                .filter(e -> e.eventType().equals("run.log"))
                .map(RunEvent::message)
                .toList();
        assertThat(lines).containsExactlyElementsOf(expectedLines(count));
        assertEveryServiceHealthy();
    }

    @Test
    @Order(7)
    void inTheBrowserTheirRunPagesOpenAndAFollowedRunResumesAfterTheApiIsRestarted() throws Exception {
        Path chromium = BrowserEndToEndTest.chromium();
        Path node = BrowserEndToEndTest.tool("node", "apt-get install -y nodejs npm");
        BrowserEndToEndTest.npmCiIfNeeded(BrowserEndToEndTest.tool("npm", "apt-get install -y nodejs npm"));
        Path control = Files.createTempDirectory("faults-browser-control");
        // the suite asks for the API to be killed and restarted by dropping a file; this answers with another
        Thread restarter = Thread.ofVirtual().start(() -> {
            Path request = control.resolve("restart-api.request");
            while (!Thread.currentThread().isInterrupted()) {
                if (Files.exists(request)) {
                    try {
                        stack.api.kill();
                        stack.api.start();
                        stack.api.awaitHealthy();
                        Files.writeString(control.resolve("restart-api.done"), "restarted");
                    } catch (IOException | RuntimeException e) {
                        System.out.println("restarting the API failed: " + e);
                    }
                    return;
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        try (var log = new java.io.PrintStream(
                Files.newOutputStream(Path.of("target", "browser-faults.log")), true, StandardCharsets.UTF_8)) {
            BrowserEndToEndTest.Result result = BrowserEndToEndTest.run(
                    List.of(
                            node.toString(),
                            "--test",
                            "--test-reporter=spec",
                            "--test-concurrency=1",
                            "tests/faults.test.mjs"),
                    Map.of(
                            "AGENT_CENTER_URL", stack.apiUrl(),
                            "CHROMIUM_PATH", chromium.toString(),
                            "FAULTS_CONTROL_DIR", control.toString(),
                            "FAULTS_HUGE_LINE_TASK", String.valueOf(hugeLineTask),
                            "FAULTS_FLOOD_TASK", String.valueOf(floodTask),
                            "NO_COLOR", "1"),
                    Duration.ofMinutes(10),
                    log);
            assertThat(result.exitCode())
                    .as("browser fault scenarios (target/browser-faults.log); last lines:%n%s", result.tail())
                    .isZero();
        } finally {
            restarter.interrupt();
        }
        assertThat(result(control)).isEqualTo("restarted");
        assertEveryServiceHealthy();
    }

    private static String result(Path control) throws IOException {
        Path done = control.resolve("restart-api.done");
        return Files.exists(done) ? Files.readString(done) : "not restarted";
    }

    // --- helpers -------------------------------------------------------------------------------------------

    private static UUID taskOf(UUID run) {
        return UUID.fromString(rest.get("/api/runs/" + run).get("taskId").asString());
    }

    private static UUID startRun(String title, String command) {
        UUID task = RestCalls.id(rest.post(
                "/api/tasks",
                Map.of(
                        "workspaceId",
                        workspace,
                        "title",
                        title,
                        "config",
                        Map.of("commands", List.of(Map.of("command", command))))));
        return RestCalls.id(rest.post("/api/runs", Map.of("taskId", task)));
    }

    private static JsonNode awaitTerminal(UUID run) {
        return awaitTerminal(run, Duration.ofMinutes(2));
    }

    private static JsonNode awaitTerminal(UUID run, Duration limit) {
        JsonNode[] last = new JsonNode[1];
        await().atMost(limit)
                .pollInterval(Duration.ofMillis(250))
                .ignoreExceptions()
                .until(() -> {
                    last[0] = rest.get("/api/runs/" + run);
                    return List.of("completed", "failed", "cancelled")
                            .contains(last[0].get("status").asString());
                });
        return last[0];
    }

    /** What the web UI does when it opens a run: pages of 5,000 from the start, until there is no nextCursor. */
    private static List<JsonNode> allEventsAsTheWebUiLoadsThem(UUID run) {
        List<JsonNode> events = new ArrayList<>();
        long after = 0;
        while (true) {
            JsonNode page = rest.get("/api/runs/" + run + "/events?afterSequence=" + after + "&limit=5000");
            page.get("items").forEach(events::add);
            if (page.get("nextCursor").isNull()) {
                return events;
            }
            after = Long.parseLong(page.get("nextCursor").asString());
        }
    }

    private static List<JsonNode> ofType(List<JsonNode> events, String type) {
        return events.stream()
                .filter(e -> e.get("eventType").asString().equals(type))
                .toList();
    }

    private static List<String> logLines(UUID run) {
        return ofType(allEventsAsTheWebUiLoadsThem(run), "run.log").stream()
                .map(e -> e.get("message").asString())
                .toList();
    }

    private static void assertEveryLineOnceInOrder(UUID run, int count) {
        List<JsonNode> events = allEventsAsTheWebUiLoadsThem(run);
        assertThat(events)
                .extracting(e -> e.get("sequence").asLong())
                .as("no gap in the sequence")
                .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, events.size())
                        .boxed()
                        .toList());
        assertThat(ofType(events, "run.log"))
                .extracting(e -> e.get("message").asString())
                .as("every line once, in order")
                .containsExactlyElementsOf(expectedLines(count));
    }

    private static List<String> expectedLines(int count) {
        List<String> lines = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            lines.add("line-" + i);
        }
        return lines;
    }

    private static void assertEveryServiceHealthy() {
        for (Stack.Service service : List.of(stack.api, stack.worker, stack.runner)) {
            assertThat(service.alive()).as(service.name + " is alive").isTrue();
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> {
                HttpResponse<String> health =
                        rest.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.port + "/health"))
                                .build());
                assertThat(health.statusCode()).as(service.name + " /health").isEqualTo(200);
            });
        }
    }

    private static Path workspaceOf(UUID run) {
        return Path.of(rest.get("/api/runs/" + run).get("workspacePath").asString());
    }

    private static int printed(Path progress) {
        try {
            return Integer.parseInt(Files.readString(progress).strip());
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    /** The whole SSE stream of an ended run (it closes after the terminal event). */
    private static String sseBody(UUID run) throws IOException {
        HttpResponse<InputStream> response =
                sendForStream(HttpRequest.newBuilder(URI.create(stack.apiUrl() + "/api/runs/" + run + "/events/stream"))
                        .build());
        StringBuilder body = new StringBuilder();
        try (BufferedReader reader =
                new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                body.append(line).append('\n');
            }
        }
        return body.toString();
    }

    private static HttpResponse<InputStream> sendForStream(HttpRequest request) throws IOException {
        try {
            return RestCalls.HTTP.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    /** A failing end-to-end test is hard to read without the services' own logs. */
    static final class PrintLogsOnFailure implements TestWatcher {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            if (stack != null) {
                for (Stack.Service service : List.of(stack.api, stack.worker, stack.runner)) {
                    System.out.println("----- " + service.name + " log -----\n" + service.tail());
                }
            }
        }
    }

    /** Heap high-water marks from the services' GC logs: the most heap in use when a collection started. */
    static final class HeapLog {

        private static final java.util.regex.Pattern PAUSE =
                java.util.regex.Pattern.compile("(\\d+)([KMG])->(\\d+)([KMG])\\((\\d+)([KMG])\\)");

        /** A full collection in each live service ({@code jcmd GC.run}): its result is the live set at the end. */
        static void collectFully(Stack stack) {
            Path jcmd = Path.of(ProcessHandle.current().info().command().orElse("java"))
                    .resolveSibling("jcmd");
            for (Stack.Service service : List.of(stack.api, stack.worker, stack.runner)) {
                if (!service.alive() || !Files.isExecutable(jcmd)) {
                    continue;
                }
                try {
                    Process process = new ProcessBuilder(jcmd.toString(), Long.toString(service.pid()), "GC.run")
                            .redirectErrorStream(true)
                            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                            .start();
                    process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS);
                } catch (IOException e) {
                    // no figure for this one
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }

        static String report(Stack stack) {
            collectFully(stack);
            Map<String, String> lines = new LinkedHashMap<>();
            for (Stack.Service service : List.of(stack.api, stack.worker, stack.runner)) {
                long max = 0;
                long live = 0;
                long atEnd = -1;
                long committed = 0;
                int collections = 0;
                for (Path log : service.gcLogs()) {
                    try {
                        for (String line : Files.readAllLines(log)) {
                            var matcher = PAUSE.matcher(line);
                            if (matcher.find()) {
                                collections++;
                                max = Math.max(max, bytes(matcher.group(1), matcher.group(2)));
                                live = Math.max(live, bytes(matcher.group(3), matcher.group(4)));
                                if (line.contains("Diagnostic Command")) {
                                    atEnd = bytes(matcher.group(3), matcher.group(4));
                                }
                                committed = Math.max(committed, bytes(matcher.group(5), matcher.group(6)));
                            }
                        }
                    } catch (IOException e) {
                        // no log, nothing to report
                    }
                }
                lines.put(
                        service.name,
                        String.format(
                                "%-6s heap high-water %4d MiB in use before a collection, %4d MiB after one"
                                        + " (old garbage included), %s live after a full collection at the end"
                                        + " (heap grown to %d MiB of -Xmx256m, %d collections)",
                                service.name,
                                max >> 20,
                                live >> 20,
                                atEnd < 0 ? "?" : (atEnd >> 20) + " MiB",
                                committed >> 20,
                                collections));
            }
            return "Heap high-water marks during the fault scenarios:\n  " + String.join("\n  ", lines.values());
        }

        private static long bytes(String value, String unit) {
            long n = Long.parseLong(value);
            return switch (unit) {
                case "K" -> n << 10;
                case "M" -> n << 20;
                default -> n << 30;
            };
        }
    }
}
