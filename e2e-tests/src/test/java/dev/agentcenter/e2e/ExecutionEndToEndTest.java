package dev.agentcenter.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentcenter.support.ledger.RunEventWriter;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/** API, worker and runner as real processes: what a user sees through the REST API. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@org.junit.jupiter.api.extension.ExtendWith(ExecutionEndToEndTest.PrintLogsOnFailure.class)
class ExecutionEndToEndTest {

    private static final ObjectMapper JSON = RestCalls.JSON;
    private static Stack stack;
    private static RestCalls rest;
    private static UUID workspace;

    @BeforeAll
    static void start() throws IOException {
        stack = Stack.start();
        rest = new RestCalls(stack.apiUrl());
        workspace = UUID.fromString(rest.post("/api/workspaces", Map.of("slug", "e2e", "name", "End to end"))
                .get("id")
                .asString());
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    @Order(1)
    void aQueuedRunIsClaimedDispatchedExecutedAndReported() {
        UUID task = task("hello", List.of("echo hello from $((40 + 2))", "echo content > made-by-run.txt"));
        JsonNode run = rest.post("/api/runs", Map.of("taskId", task));
        assertThat(run.get("status").asString()).isEqualTo("queued");

        JsonNode done = awaitTerminal(RestCalls.id(run));

        assertThat(done.get("status").asString()).isEqualTo("completed");
        assertThat(done.get("exitCode").asInt()).isZero();
        List<String> types = eventTypes(RestCalls.id(run));
        assertThat(types).startsWith("run.created").endsWith("run.completed");
        assertThat(types).contains("run.status_changed", "run.command.started", "run.log", "run.command.finished");
        assertThat(logText(RestCalls.id(run))).isEqualTo("hello from 42\n");
        JsonNode diff = rest.get("/api/runs/" + RestCalls.id(run) + "/diff");
        assertThat(diff.get("available").asBoolean()).isTrue();
        assertThat(diff.get("files").get(0).get("path").asString()).isEqualTo("made-by-run.txt");
        assertThat(rest.get("/api/tasks/" + task).get("status").asString()).isEqualTo("completed");
        JsonNode runners = rest.get("/api/runners").get("items");
        assertThat(runners.valueStream()
                        .map(r ->
                                r.get("name").asString() + ":" + r.get("status").asString()))
                .contains("e2e-runner:online");
    }

    @Test
    @Order(2)
    void fiftyRunsQueuedAtOnceAreEachExecutedExactlyOnce() {
        List<UUID> runs = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            runs.add(RestCalls.id(rest.post(
                    "/api/runs", Map.of("taskId", task("burst " + i, List.of("echo run " + i))))));
        }
        for (int i = 0; i < runs.size(); i++) {
            JsonNode done = awaitTerminal(runs.get(i));
            assertThat(done.get("status").asString()).as("run %d", i).isEqualTo("completed");
            List<String> types = eventTypes(runs.get(i));
            assertThat(types.stream().filter("run.command.started"::equals))
                    .as("executed once")
                    .hasSize(1);
            assertThat(logText(runs.get(i))).isEqualTo("run " + i + "\n");
        }
    }

    @Test
    @Order(3)
    void cancelThroughTheApiStopsARunningCommandAndKeepsItsOutput() {
        UUID task = task("long", List.of("echo begun; sleep 1000"));
        UUID run = RestCalls.id(rest.post("/api/runs", Map.of("taskId", task)));
        await().atMost(Duration.ofSeconds(60)).until(() -> logText(run).contains("begun"));

        rest.post("/api/tasks/" + task + "/cancel", Map.of("reason", "enough"));

        JsonNode done = awaitTerminal(run);
        assertThat(done.get("status").asString()).isEqualTo("cancelled");
        assertThat(logText(run)).isEqualTo("begun\n");
        assertThat(rest.get("/api/tasks/" + task).get("status").asString()).isEqualTo("cancelled");
    }

    @Test
    @Order(4)
    void aTriggeredAutomationRunsThroughTheWholePipeline() {
        JsonNode automation = rest.post(
                "/api/automations",
                Map.of(
                        "workspaceId", workspace,
                        "name", "e2e automation",
                        "cronExpression", "0 3 * * *",
                        "taskTemplateTitle", "From automation",
                        "config", Map.of("commands", List.of(Map.of("command", "echo automated")))));
        JsonNode triggered =
                rest.post("/api/automations/" + automation.get("id").asString() + "/trigger", Map.of());
        UUID run = RestCalls.id(triggered.get("run"));

        assertThat(awaitTerminal(run).get("status").asString()).isEqualTo("completed");
        assertThat(logText(run)).isEqualTo("automated\n");
        assertThat(eventTypes(run)).contains("automation.triggered");
    }

    @Test
    @Order(5)
    void aRunnerKilledMidRunIsDetectedAndCanNoLongerWrite() throws Exception {
        String marker = "1000." + (100000 + new java.util.Random().nextInt(900000));
        UUID task = task("doomed", List.of("echo working; sleep " + marker));
        UUID run = RestCalls.id(rest.post("/api/runs", Map.of("taskId", task)));
        await().atMost(Duration.ofSeconds(60)).until(() -> logText(run).contains("working"));
        UUID staleLease = UUID.fromString(sql("SELECT lease_token::text FROM runs WHERE id = '" + run + "'"));

        stack.runner.kill();

        JsonNode done = awaitTerminal(run);
        assertThat(done.get("status").asString()).isEqualTo("failed");
        assertThat(done.get("errorCode").asString()).isEqualTo("runner_lost");
        assertThat(eventTypes(run)).endsWith("run.failed");
        try (Connection connection = connect()) {
            var refused = RunEventWriter.append(
                    connection,
                    run,
                    staleLease,
                    List.of(new RunEventWriter.Draft("run.log", "info", "late line from the dead runner", null)));
            assertThat(refused).as("a write under the old lease is fenced off").isEmpty();
        }
        assertThat(logText(run)).doesNotContain("late line");

        // the orphaned command outlived its runner (SIGKILL leaves no chance to clean up): stop it for the next tests
        ProcessHandle.allProcesses()
                .filter(p -> p.info()
                        .commandLine()
                        .map(line -> line.contains(marker))
                        .orElse(false))
                .forEach(ProcessHandle::destroyForcibly);
    }

    // --- helpers -------------------------------------------------------------------------------------------

    private static UUID task(String title, List<String> commands) {
        return RestCalls.id(rest.post(
                "/api/tasks",
                Map.of(
                        "workspaceId", workspace,
                        "title", title,
                        "config",
                                Map.of(
                                        "commands",
                                        commands.stream()
                                                .map(c -> Map.of("command", c))
                                                .toList()))));
    }

    private static JsonNode awaitTerminal(UUID run) {
        JsonNode[] last = new JsonNode[1];
        await().atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    last[0] = rest.get("/api/runs/" + run);
                    return List.of("completed", "failed", "cancelled")
                            .contains(last[0].get("status").asString());
                });
        return last[0];
    }

    private static List<String> eventTypes(UUID run) {
        return rest.get("/api/runs/" + run + "/events?limit=5000")
                .get("items")
                .valueStream()
                .map(e -> e.get("eventType").asString())
                .toList();
    }

    private static String logText(UUID run) {
        return rest.send(HttpRequest.newBuilder(URI.create(stack.apiUrl() + "/api/runs/" + run + "/logs?format=text"))
                        .build())
                .body();
    }

    private static Connection connect() throws Exception {
        return DriverManager.getConnection(
                stack.database.jdbcUrl(), stack.database.username(), stack.database.password());
    }

    private static String sql(String query) throws Exception {
        try (Connection connection = connect();
                var rows = connection.createStatement().executeQuery(query)) {
            rows.next();
            return rows.getString(1);
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
}
