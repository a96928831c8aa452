package dev.agentcenter.runner.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentcenter.runner.RunnerTestBase;
import dev.agentcenter.support.SecretCipher;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * The runner on a real port, handed runs the way a worker hands them (a claimed row + {@code POST
 * /internal/runs/execute}), executing real processes in real workspaces and writing to a real Postgres.
 */
class RunExecutionTest extends RunnerTestBase {

    private static final String TOKEN = "internal-test-token";
    private static final String KEY = "runner-test-encryption-key";
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final Path ROOT = temporaryDirectory("runner-test-root");
    private static final Path REMOTES = temporaryDirectory("runner-test-remotes");

    @Autowired
    JdbcClient db;

    @DynamicPropertySource
    static void runnerSettings(DynamicPropertyRegistry registry) {
        registry.add("agent-center.runner.internal-token", () -> TOKEN);
        registry.add(
                "agent-center.runner.workspace-root",
                () -> ROOT.resolve("workspaces").toString());
        registry.add("agent-center.runner.capacity", () -> "3");
        registry.add("agent-center.runner.name", () -> "runner-under-test");
        registry.add(
                "agent-center.execution.git-base-url", () -> REMOTES.toUri().toString());
        registry.add("agent-center.execution.credential-encryption-key", () -> KEY);
        registry.add("agent-center.execution.cancel-grace", () -> "1s");
        registry.add("agent-center.execution.lease-seconds", () -> "3");
    }

    record Handle(UUID runId, UUID taskId, UUID lease) {}

    @Test
    void runsCommandsStreamsEveryLineInOrderAndStoresTheDiff() {
        Handle run = queue(
                newTask(null),
                List.of(command("echo hello; echo oops >&2"), command("seq 1 500; echo new > created.txt")));

        assertThat(execute(run).statusCode()).isEqualTo(202);

        awaitStatus(run, "completed");
        List<JsonNode> events = events(run);
        assertThat(events)
                .extracting(e -> e.get("sequence").asLong())
                .as("no gap, in order")
                .containsExactlyElementsOf(sequence(1, events.size()));
        List<String> lines = logLines(run);
        assertThat(lines.subList(0, 2)).containsExactlyInAnyOrder("hello", "oops");
        assertThat(lines.subList(2, 502))
                .containsExactlyElementsOf(
                        sequence(1, 500).stream().map(String::valueOf).toList());
        assertThat(types(events))
                .containsSubsequence(
                        "run.status_changed",
                        "run.command.started",
                        "run.command.finished",
                        "run.command.started",
                        "run.command.finished",
                        "run.status_changed",
                        "run.completed");
        JsonNode stderr = events.stream()
                .filter(e -> "oops".equals(e.get("message").asString()))
                .findFirst()
                .orElseThrow();
        assertThat(stderr.get("payload").get("stream").asString()).isEqualTo("stderr");
        JsonNode finished = events.stream()
                .filter(e -> e.get("event_type").asString().equals("run.command.finished"))
                .findFirst()
                .orElseThrow();
        assertThat(finished.get("payload").get("exitCode").asInt()).isZero();
        assertThat(finished.get("payload").get("durationMs").asLong()).isNotNegative();

        Map<String, Object> diff = db.sql("SELECT files::text AS files, patch FROM run_diffs WHERE run_id = :id")
                .param("id", run.runId())
                .query()
                .singleRow();
        assertThat(diff.get("files").toString()).contains("created.txt").contains("added");
        assertThat(diff.get("patch").toString()).contains("+new");
        assertThat(column(run, "workspace_path"))
                .isEqualTo(ROOT.resolve("workspaces")
                        .resolve(run.taskId().toString())
                        .toAbsolutePath()
                        .toString());
        assertThat(db.sql("SELECT status FROM tasks WHERE id = :id")
                        .param("id", run.taskId())
                        .query(String.class)
                        .single())
                .isEqualTo("completed");
    }

    @Test
    void executeIsIdempotentAndRefusesRunsThatAreNotItsOwn() {
        Handle run = queue(newTask(null), List.of(command("sleep 30")));
        assertThat(execute(run).body()).contains("\"alreadyActive\":false");
        assertThat(execute(run).body()).contains("\"alreadyActive\":true");

        Handle stranger = queue(newTask(null), List.of(command("true")));
        assertThat(execute(new Handle(stranger.runId(), stranger.taskId(), UUID.randomUUID()))
                        .statusCode())
                .isEqualTo(409);
        assertThat(post("/internal/runs/execute", "{\"runId\":\"" + run.runId() + "\"}", TOKEN)
                        .statusCode())
                .isEqualTo(400);
        assertThat(post("/internal/runs/execute", body(run), "wrong").statusCode())
                .isEqualTo(401);

        cancel(run);
        awaitStatus(run, "cancelled");
    }

    @Test
    void cancelStopsTheWholeProcessTreeAndKeepsTheOutput() {
        String marker = uniqueSleepSeconds();
        Handle run = queue(
                newTask(null),
                List.of(command("echo started; bash -c 'sleep " + marker + " & sleep " + marker + "' ; true", null)));
        execute(run);
        await().atMost(Duration.ofSeconds(30)).until(() -> logLines(run).contains("started"));
        await().atMost(Duration.ofSeconds(30)).until(() -> processesWith(marker) >= 2);

        cancel(run);

        awaitStatus(run, "cancelled");
        await().atMost(Duration.ofSeconds(30)).until(() -> processesWith(marker) == 0);
        assertThat(logLines(run)).contains("started");
        assertThat(types(events(run))).contains("run.cancelled");
    }

    @Test
    void aChildThatIgnoresTermIsKilledAfterTheGracePeriod() {
        String marker = "stubborn-" + UUID.randomUUID();
        Handle run = queue(
                newTask(null),
                List.of(command(
                        "bash -c 'trap \"\" TERM; echo ready; while true; do sleep 1; done; echo " + marker + "'")));
        execute(run);
        await().atMost(Duration.ofSeconds(30)).until(() -> logLines(run).contains("ready"));
        assertThat(processesWith(marker)).isPositive();

        cancel(run);

        awaitStatus(run, "cancelled");
        await().atMost(Duration.ofSeconds(30)).until(() -> processesWith(marker) == 0);
    }

    @Test
    void permissionModesBlockCommandsBeforeTheyStart() {
        Handle safe = queue(newTask(null), List.of(command("echo first"), command("echo ok && sudo ls /root")));
        execute(safe);
        awaitStatus(safe, "failed");
        assertThat(column(safe, "error_code")).isEqualTo("command_blocked");
        assertThat(column(safe, "error_message")).contains("rule: sudo").contains("safe");
        assertThat(logLines(safe)).containsExactly("first");
        assertThat(events(safe).stream()
                        .filter(e -> e.get("event_type").asString().equals("run.command.started")))
                .hasSize(1);

        Handle custom = queue(newTask(null), List.of(command("curl --version")), "custom", List.of("curl"));
        execute(custom);
        awaitStatus(custom, "failed");
        assertThat(column(custom, "error_message")).contains("rule: curl");

        Handle yolo = queue(newTask(null), List.of(command("echo sudo is just a word")), "yolo", List.of());
        execute(yolo);
        awaitStatus(yolo, "completed");
    }

    @Test
    void failuresEndTheRunWithACodeAndTheExitCode() {
        Handle failing = queue(newTask(null), List.of(command("echo before; exit 3"), command("echo never")));
        execute(failing);
        awaitStatus(failing, "failed");
        assertThat(column(failing, "error_code")).isEqualTo("command_failed");
        assertThat(column(failing, "exit_code")).isEqualTo("3");
        assertThat(logLines(failing)).containsExactly("before");

        Handle slow = queue(newTask(null), List.of(command("echo waiting; sleep 60", 1)));
        execute(slow);
        awaitStatus(slow, "failed");
        assertThat(column(slow, "error_code")).isEqualTo("command_timed_out");

        Handle escaping = queue(newTask(null), List.of(command("pwd", null, "../..")));
        execute(escaping);
        awaitStatus(escaping, "failed");
        assertThat(column(escaping, "error_code")).isEqualTo("working_directory_invalid");
    }

    @Test
    void commandsGetAMinimalEnvironmentWithoutTheRunnersSecrets() {
        Handle run = queue(newTask(null), List.of(new Command("env", null, null, Map.of("GREETING", "hi"))));
        execute(run);
        awaitStatus(run, "completed");
        List<String> env = logLines(run);
        assertThat(env).contains("GREETING=hi");
        assertThat(env)
                .noneMatch(line -> line.startsWith("DATABASE_URL=")
                        || line.startsWith("SPRING_")
                        || line.startsWith("RUNNER_INTERNAL_TOKEN=")
                        || line.startsWith("CREDENTIAL_ENCRYPTION_KEY="));
    }

    @Test
    void clonesARepositoryOnItsBranchWithoutLeakingTheTokenAndFollowUpsReuseTheWorkspace() throws Exception {
        String token = "ghp_" + "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8";
        UUID connection = repository("acme", "widgets", token);
        UUID task = newTask(connection);
        db.sql("UPDATE tasks SET branch_name = 'agent/feature-1', base_branch = 'main' WHERE id = :id")
                .param("id", task)
                .update();
        Handle first = queue(
                task,
                List.of(command("git rev-parse --abbrev-ref HEAD; cat README.md;"
                        + " echo changed >> README.md; echo fresh > NEW.md; echo " + token)));
        execute(first);
        awaitStatus(first, "completed");

        assertThat(logLines(first)).contains("agent/feature-1", "# widgets");
        Path workspace = Path.of(column(first, "workspace_path"));
        assertThat(Files.readString(workspace.resolve(".git/config"))).doesNotContain(token);
        try (Stream<Path> files = Files.walk(workspace.resolve(".git"))) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                assertThat(Files.readAllBytes(file)).asString().doesNotContain(token);
            }
        }
        String everything = db.sql("SELECT string_agg(coalesce(message, '') || payload::text, ' ') FROM run_events"
                        + " WHERE run_id = :id")
                .param("id", first.runId())
                .query(String.class)
                .single();
        assertThat(everything).contains("[REDACTED]").doesNotContain(token);
        String files = db.sql("SELECT files::text FROM run_diffs WHERE run_id = :id")
                .param("id", first.runId())
                .query(String.class)
                .single();
        assertThat(files)
                .contains("NEW.md")
                .contains("README.md")
                .contains("modified")
                .contains("added");

        Handle followUp = queue(task, List.of(command("cat NEW.md")));
        execute(followUp);
        awaitStatus(followUp, "completed");
        assertThat(logLines(followUp)).containsExactly("fresh");
        assertThat(column(followUp, "workspace_path")).isEqualTo(column(first, "workspace_path"));
    }

    @Test
    void aMissingBranchFailsWithAHint() throws Exception {
        UUID connection = repository("acme", "gadgets", null);
        UUID task = newTask(connection);
        db.sql("UPDATE tasks SET base_branch = 'does-not-exist' WHERE id = :id")
                .param("id", task)
                .update();
        Handle run = queue(task, List.of(command("true")));
        execute(run);
        awaitStatus(run, "failed");
        assertThat(column(run, "error_code")).isEqualTo("git_failed");
        assertThat(column(run, "error_message")).contains("What to do");
    }

    @Test
    void aRunTakenAwayFromTheRunnerIsStoppedAndWrittenNoMore() {
        String marker = uniqueSleepSeconds();
        Handle run = queue(newTask(null), List.of(command("echo go; sleep " + marker)));
        execute(run);
        await().atMost(Duration.ofSeconds(30)).until(() -> logLines(run).contains("go"));
        await().atMost(Duration.ofSeconds(30)).until(() -> processesWith(marker) >= 1);
        long eventsBefore = events(run).size();

        // what the sweeper does when the lease expired: the run is failed and the lease token cleared
        db.sql("""
                        UPDATE runs SET status = 'failed', error_code = 'runner_lost', finished_at = now(),
                                        lease_token = NULL WHERE id = :id""").param("id", run.runId()).update();

        await().atMost(Duration.ofSeconds(30)).until(() -> processesWith(marker) == 0);
        assertThat(column(run, "status")).isEqualTo("failed");
        assertThat(column(run, "error_code")).isEqualTo("runner_lost");
        assertThat(events(run)).hasSize((int) eventsBefore);
    }

    // --- helpers -------------------------------------------------------------------------------------------

    record Command(String command, Integer timeoutSeconds, String cwd, Map<String, String> env) {}

    private static Command command(String command) {
        return new Command(command, null, null, null);
    }

    private static Command command(String command, Integer timeoutSeconds) {
        return new Command(command, timeoutSeconds, null, null);
    }

    private static Command command(String command, Integer timeoutSeconds, String cwd) {
        return new Command(command, timeoutSeconds, cwd, null);
    }

    private UUID newTask(UUID repoConnection) {
        UUID workspace = db.sql("INSERT INTO workspaces (slug, name) VALUES (:slug, 'w') RETURNING id")
                .param("slug", "w-" + UUID.randomUUID().toString().substring(0, 8))
                .query(UUID.class)
                .single();
        if (repoConnection != null) {
            db.sql("UPDATE repo_connections SET workspace_id = :w WHERE id = :id")
                    .param("w", workspace)
                    .param("id", repoConnection)
                    .update();
        }
        return db.sql("INSERT INTO tasks (workspace_id, repo_connection_id, title) VALUES (:w, :c, 't') RETURNING id")
                .param("w", workspace)
                .param("c", repoConnection)
                .query(UUID.class)
                .single();
    }

    private Handle queue(UUID task, List<Command> commands) {
        return queue(task, commands, "safe", List.of());
    }

    /** A run as a worker leaves it after claiming it: provisioning, with a lease. */
    private Handle queue(UUID task, List<Command> commands, String mode, List<String> blocked) {
        UUID lease = UUID.randomUUID();
        int attempt = db.sql("SELECT COALESCE(max(attempt), 0) + 1 FROM runs WHERE task_id = :t")
                .param("t", task)
                .query(Integer.class)
                .single();
        UUID run = db.sql("""
                        INSERT INTO runs (task_id, attempt, status, permission_mode, policy, config, lease_token,
                                          lease_expires_at, base_branch, branch_name)
                        SELECT :task, :attempt, 'provisioning', :mode, CAST(:policy AS jsonb),
                               CAST(:config AS jsonb), :lease, now() + interval '1 minute', base_branch, branch_name
                          FROM tasks WHERE id = :task
                        RETURNING id""")
                .param("task", task)
                .param("attempt", attempt)
                .param("mode", mode)
                .param("policy", JSON.writeValueAsString(Map.of("blockedCommands", blocked)))
                .param("config", JSON.writeValueAsString(Map.of("commands", commands)))
                .param("lease", lease)
                .query(UUID.class)
                .single();
        return new Handle(run, task, lease);
    }

    private UUID repository(String owner, String repo, String token) throws Exception {
        Path bare = REMOTES.resolve(owner).resolve(repo + ".git");
        Path seed = Files.createTempDirectory("seed");
        git(seed.getParent(), "init", "--bare", "-b", "main", bare.toString());
        git(seed, "init", "-b", "main");
        Files.writeString(seed.resolve("README.md"), "# " + repo + "\n");
        git(seed, "add", ".");
        git(seed, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-m", "init");
        git(seed, "remote", "add", "origin", bare.toString());
        git(seed, "push", "origin", "main");
        byte[] sealed =
                token == null ? null : SecretCipher.fromConfiguredKey(KEY).encrypt(token, "repo_token");
        UUID workspace = db.sql("INSERT INTO workspaces (slug, name) VALUES (:slug, 'r') RETURNING id")
                .param("slug", "r-" + UUID.randomUUID().toString().substring(0, 8))
                .query(UUID.class)
                .single();
        return db.sql("""
                        INSERT INTO repo_connections (workspace_id, owner, repo, default_branch, auth_type,
                                                      token_ciphertext)
                        VALUES (:w, :owner, :repo, 'main', :auth, :token) RETURNING id""")
                .param("w", workspace)
                .param("owner", owner)
                .param("repo", repo)
                .param("auth", token == null ? "none" : "pat")
                .param("token", sealed)
                .query(UUID.class)
                .single();
    }

    private static void git(Path directory, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("git"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command)
                .directory(directory.toFile())
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor())
                .as("git %s: %s", String.join(" ", args), output)
                .isZero();
    }

    private String body(Handle run) {
        return "{\"runId\":\"" + run.runId() + "\",\"attempt\":" + attempt(run) + ",\"leaseToken\":\"" + run.lease()
                + "\"}";
    }

    private int attempt(Handle run) {
        return db.sql("SELECT attempt FROM runs WHERE id = :id")
                .param("id", run.runId())
                .query(Integer.class)
                .single();
    }

    private HttpResponse<String> execute(Handle run) {
        return post("/internal/runs/execute", body(run), TOKEN);
    }

    /** What the API does: mark the cancel and notify. */
    private void cancel(Handle run) {
        db.sql("UPDATE runs SET cancel_requested_at = now() WHERE id = :id")
                .param("id", run.runId())
                .update();
        db.sql("SELECT pg_notify('run_cancel', :id)")
                .param("id", run.runId().toString())
                .query()
                .listOfRows();
    }

    private HttpResponse<String> post(String path, String json, String token) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json))
                .build();
        try {
            return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void awaitStatus(Handle run, String status) {
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(50))
                .untilAsserted(() -> assertThat(column(run, "status"))
                        .as("run status; events: %s", types(events(run)))
                        .isEqualTo(status));
    }

    private String column(Handle run, String column) {
        return db.sql("SELECT " + column + "::text FROM runs WHERE id = :id")
                .param("id", run.runId())
                .query(String.class)
                .single();
    }

    private List<JsonNode> events(Handle run) {
        return db.sql("""
                        SELECT json_build_object('sequence', sequence, 'event_type', event_type, 'message', message,
                                                 'payload', payload)::text
                          FROM run_events WHERE run_id = :id ORDER BY sequence""").param("id", run.runId()).query(String.class).list().stream()
                .map(JSON::readTree)
                .toList();
    }

    private List<String> logLines(Handle run) {
        return db.sql("""
                        SELECT message FROM run_events WHERE run_id = :id AND event_type = 'run.log'
                           AND NOT jsonb_exists(payload, 'source') ORDER BY sequence""").param("id", run.runId()).query(String.class).list();
    }

    private static List<String> types(List<JsonNode> events) {
        return events.stream().map(e -> e.get("event_type").asString()).toList();
    }

    private static List<Long> sequence(long from, long to) {
        List<Long> values = new ArrayList<>();
        for (long i = from; i <= to; i++) {
            values.add(i);
        }
        return values;
    }

    /** A sleep duration no other process uses, so the test can find its own processes by command line. */
    private static String uniqueSleepSeconds() {
        return "1000." + (100000 + new java.util.Random().nextInt(900000));
    }

    private static long processesWith(String marker) {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info()
                        .commandLine()
                        .map(line -> line.contains(marker))
                        .orElse(false))
                .count();
    }

    private static Path temporaryDirectory(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
