package dev.agentcenter.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
import tools.jackson.databind.JsonNode;

/**
 * Issue 16's "Found" scenario with two real runners (capacity 1 each) on one Postgres: a task's follow-up waits for
 * the runner that holds its workspace even while the other runner is idle, and sees the files the first run left; a
 * drained runner's tasks are re-homed with events saying so; a re-homed repository task is cloned again at its
 * branch, with the commits pushed there.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AffinityEndToEndTest {

    private static final Duration PATIENCE = Duration.ofSeconds(90);
    private static Stack stack;
    private static RestCalls rest;
    private static UUID workspace;
    private static UUID stateTask;
    private static UUID holder;
    private static UUID other;

    @BeforeAll
    static void start() throws Exception {
        stack = Stack.start(Map.of("RUNNER_CAPACITY", "1"));
        stack.startRunner("e2e-runner-2");
        rest = new RestCalls(stack.apiUrl());
        workspace = RestCalls.id(rest.post("/api/workspaces", Map.of("slug", "affinity", "name", "Affinity")));
        await().atMost(PATIENCE)
                .until(() -> runners().stream()
                                .filter(r -> r.get("status").asString().equals("online"))
                                .count()
                        == 2);
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    @Order(1)
    void aFollowUpWaitsForTheBusyRunnerHoldingItsWorkspaceAndSeesItsFiles() {
        stateTask = task(Map.of("title", "Stateful", "config", commands("echo state-from-run-1 > state.txt")));
        JsonNode first = awaitTerminal(RestCalls.id(rest.post("/api/runs", Map.of("taskId", stateTask))));
        assertThat(first.get("status").asString()).isEqualTo("completed");
        holder = UUID.fromString(first.get("runnerId").asString());
        other = runners().stream()
                .map(r -> UUID.fromString(r.get("id").asString()))
                .filter(id -> !id.equals(holder))
                .findFirst()
                .orElseThrow();

        // Keep the holder busy with another task (the other runner drained meanwhile, so it cannot take that one).
        rest.post("/api/runners/" + other + "/drain", null);
        UUID busy = RestCalls.id(rest.post(
                "/api/runs", Map.of("taskId", task(Map.of("title", "Busy", "config", commands("sleep 120"))))));
        await().atMost(PATIENCE).until(() -> {
            JsonNode run = rest.get("/api/runs/" + busy);
            return run.get("status").asString().equals("running")
                    && run.get("runnerId").asString().equals(holder.toString());
        });
        assertThat(rest.post("/api/runners/" + other + "/resume", null)
                        .get("status")
                        .asString())
                .isEqualTo("online");

        UUID followUp = RestCalls.id(rest.post(
                "/api/tasks/" + stateTask + "/follow-ups",
                Map.of("prompt", "Read the state", "commands", List.of(Map.of("command", "cat state.txt")))));
        await().atMost(PATIENCE)
                .until(() -> ("runner:" + holder)
                        .equals(rest.get("/api/runs/" + followUp)
                                .path("waitingFor")
                                .asString(null)));
        // The other runner is idle all along, and the follow-up still waits: its files are on the holder.
        assertThat(rest.get("/api/runs/" + followUp).get("status").asString()).isEqualTo("queued");
        assertThat(runners().stream()
                        .filter(r -> r.get("id").asString().equals(other.toString()))
                        .findFirst()
                        .orElseThrow()
                        .get("status")
                        .asString())
                .isEqualTo("online");
        JsonNode waiting = event(followUp, "run.waiting");
        assertThat(waiting.get("payload").get("runnerId").asString()).isEqualTo(holder.toString());
        assertThat(rest.get("/api/runs/queue?workspaceId=" + workspace)
                        .get("items")
                        .valueStream()
                        .map(r -> r.get("id").asString()))
                .containsExactly(followUp.toString());

        rest.post("/api/runs/" + busy + "/cancel", Map.of("reason", "make room"));
        JsonNode done = awaitTerminal(followUp);
        assertThat(done.get("status").asString()).as(logText(followUp)).isEqualTo("completed");
        assertThat(done.get("runnerId").asString()).isEqualTo(holder.toString());
        assertThat(done.get("waitingFor").isNull()).isTrue();
        assertThat(logText(followUp)).isEqualTo("state-from-run-1\n");
        assertThat(eventTypes(followUp)).doesNotContain("run.rehomed", "run.workspace.recreated");
    }

    @Test
    @Order(2)
    void aDrainedRunnersTaskIsReHomedAndSaysItsWorkspaceIsNew() {
        assertThat(rest.post("/api/runners/" + holder + "/drain", null)
                        .get("status")
                        .asString())
                .isEqualTo("draining");
        try {
            UUID next = RestCalls.id(rest.post(
                    "/api/tasks/" + stateTask + "/follow-ups",
                    Map.of(
                            "prompt",
                            "Again",
                            "commands",
                            List.of(Map.of("command", "if [ -e state.txt ]; then echo kept; else echo fresh; fi")))));
            JsonNode done = awaitTerminal(next);
            assertThat(done.get("status").asString()).isEqualTo("completed");
            assertThat(done.get("runnerId").asString()).isEqualTo(other.toString());
            assertThat(logText(next)).isEqualTo("fresh\n");
            JsonNode rehomed = event(next, "run.rehomed");
            assertThat(rehomed.get("level").asString()).isEqualTo("warn");
            assertThat(rehomed.get("payload").get("reason").asString()).isEqualTo("runner_drained");
            assertThat(rehomed.get("payload").get("fromRunnerId").asString()).isEqualTo(holder.toString());
            assertThat(event(next, "run.workspace.recreated").get("message").asString())
                    .contains("empty workspace");
        } finally {
            rest.post("/api/runners/" + holder + "/resume", null);
        }
    }

    @Test
    @Order(3)
    void aReHomedRepositoryTaskIsClonedAgainAtItsBranchWithItsPushedCommits() throws Exception {
        Path bare = stack.root.resolve("remotes").resolve("acme").resolve("app.git");
        Files.createDirectories(bare.getParent());
        git(bare.getParent(), "init", "--bare", "-b", "main", bare.toString());
        Path seed = Files.createTempDirectory("affinity-seed");
        git(seed, "init", "-b", "main");
        Files.writeString(seed.resolve("README.md"), "# app\n");
        git(seed, "add", ".");
        git(seed, "-c", "user.name=Seed", "-c", "user.email=seed@example.test", "commit", "-m", "Initial commit");
        git(seed, "push", bare.toString(), "main");
        UUID connection = RestCalls.id(
                rest.post("/api/repo-connections", Map.of("workspaceId", workspace, "owner", "acme", "repo", "app")));
        UUID task = task(Map.of(
                "title",
                "Repository",
                "repoConnectionId",
                connection,
                "branchName",
                "agent/work",
                "config",
                commands("echo uncommitted > scratch.txt")));
        JsonNode first = awaitTerminal(RestCalls.id(rest.post("/api/runs", Map.of("taskId", task))));
        assertThat(first.get("status").asString()).isEqualTo("completed");
        UUID repositoryHolder = UUID.fromString(first.get("runnerId").asString());
        UUID elsewhere = repositoryHolder.equals(holder) ? other : holder;
        // What delivery leaves on the remote: a commit on the task's branch.
        git(seed, "checkout", "-b", "agent/work");
        Files.writeString(seed.resolve("delivered.txt"), "delivered\n");
        git(seed, "add", ".");
        git(seed, "-c", "user.name=Agent", "-c", "user.email=agent@example.test", "commit", "-m", "Delivered work");
        git(seed, "push", bare.toString(), "agent/work");

        rest.post("/api/runners/" + repositoryHolder + "/drain", null);
        try {
            UUID next = RestCalls.id(rest.post(
                    "/api/tasks/" + task + "/follow-ups",
                    Map.of(
                            "prompt",
                            "Continue",
                            "commands",
                            List.of(
                                    Map.of("command", "git log -1 --format=%s"),
                                    Map.of("command", "cat delivered.txt"),
                                    Map.of("command", "if [ -e scratch.txt ]; then echo kept; else echo gone; fi")))));
            JsonNode done = awaitTerminal(next);
            assertThat(done.get("status").asString()).as(logText(next)).isEqualTo("completed");
            assertThat(done.get("runnerId").asString()).isEqualTo(elsewhere.toString());
            // git's own lines (the new clone, the branch checked out from the remote) come first
            assertThat(logText(next))
                    .contains("Cloning into", "set up to track 'origin/agent/work'")
                    .endsWith("\nDelivered work\ndelivered\ngone\n");
            assertThat(event(next, "run.rehomed")
                            .get("payload")
                            .get("workspace")
                            .asString())
                    .isEqualTo("recloned");
            JsonNode recreated = event(next, "run.workspace.recreated");
            assertThat(recreated.get("payload").get("branch").asString()).isEqualTo("agent/work");
            assertThat(recreated.get("message").asString()).contains("acme/app", "agent/work");
            assertThat(eventTypes(next)).contains("repo.clone.started", "repo.clone.finished");
        } finally {
            rest.post("/api/runners/" + repositoryHolder + "/resume", null);
        }
    }

    // --- helpers

    private static Map<String, Object> commands(String... commands) {
        return Map.of(
                "commands",
                List.of(commands).stream().map(c -> Map.of("command", c)).toList());
    }

    private static UUID task(Map<String, Object> fields) {
        Map<String, Object> body = new java.util.HashMap<>(fields);
        body.put("workspaceId", workspace);
        return RestCalls.id(rest.post("/api/tasks", body));
    }

    private static List<JsonNode> runners() {
        return rest.get("/api/runners").get("items").valueStream().toList();
    }

    private static JsonNode awaitTerminal(UUID run) {
        JsonNode[] last = new JsonNode[1];
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(200)).until(() -> {
            last[0] = rest.get("/api/runs/" + run);
            return List.of("completed", "failed", "cancelled")
                    .contains(last[0].get("status").asString());
        });
        return last[0];
    }

    private static List<JsonNode> events(UUID run) {
        return rest.get("/api/runs/" + run + "/events?limit=5000")
                .get("items")
                .valueStream()
                .toList();
    }

    private static List<String> eventTypes(UUID run) {
        return events(run).stream().map(e -> e.get("eventType").asString()).toList();
    }

    private static JsonNode event(UUID run, String type) {
        List<JsonNode> found = events(run).stream()
                .filter(e -> e.get("eventType").asString().equals(type))
                .toList();
        assertThat(found).as("%s events of run %s", type, run).hasSize(1);
        return found.getFirst();
    }

    private static String logText(UUID run) {
        return rest.send(HttpRequest.newBuilder(URI.create(stack.apiUrl() + "/api/runs/" + run + "/logs?format=text"))
                        .build())
                .body();
    }

    private static String git(Path directory, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("git"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command)
                .directory(directory.toFile())
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor())
                .as("git %s: %s", String.join(" ", args), output)
                .isZero();
        return output.strip();
    }
}
