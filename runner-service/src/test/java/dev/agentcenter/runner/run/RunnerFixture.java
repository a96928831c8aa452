package dev.agentcenter.runner.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentcenter.runner.RunnerTestBase;
import dev.agentcenter.support.SealedSecrets;
import dev.agentcenter.support.SecretBinding;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
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
abstract class RunnerFixture extends RunnerTestBase {

    static final String TOKEN = "internal-test-token";
    static final String KEY = "runner-test-encryption-key";
    static final ObjectMapper JSON = JsonMapper.builder().build();
    static final Path ROOT = temporaryDirectory("runner-test-root");
    static final Path REMOTES = temporaryDirectory("runner-test-remotes");

    @Autowired
    protected JdbcClient db;

    /** The runner's own sealer, so that tests seal what the API would store (same key, same stored salt). */
    @Autowired
    protected SealedSecrets secrets;

    @DynamicPropertySource
    static void runnerSettings(DynamicPropertyRegistry registry) {
        registry.add("agent-center.runner.internal-token", () -> TOKEN);
        registry.add(
                "agent-center.runner.workspace-root",
                () -> ROOT.resolve("workspaces").toString());
        registry.add("agent-center.runner.capacity", () -> "3");
        // Neither a login shell nor the resolved login environment: the host's profile (pyenv, nvm, …) must not add
        // output or variables to the tests. LoginEnvironmentRunTest gives the runner a profile of its own.
        registry.add("agent-center.runner.shell", () -> "bash -c");
        registry.add("agent-center.runner.login-environment", () -> "false");
        registry.add("agent-center.runner.name", () -> "runner-under-test");
        registry.add(
                "agent-center.execution.git-base-url", () -> REMOTES.toUri().toString());
        registry.add("agent-center.execution.credential-encryption-key", () -> KEY);
        registry.add("agent-center.execution.cancel-grace", () -> "1s");
        registry.add("agent-center.execution.lease-seconds", () -> "3");
        registry.add("agent-center.execution.max-output-bytes", () -> Long.toString(2 * 1024 * 1024));
    }

    record Handle(UUID runId, UUID taskId, UUID lease) {}

    record Command(String command, Integer timeoutSeconds, String cwd, Map<String, String> env) {}

    static Command command(String command) {
        return new Command(command, null, null, null);
    }

    static Command command(String command, Integer timeoutSeconds) {
        return new Command(command, timeoutSeconds, null, null);
    }

    static Command command(String command, Integer timeoutSeconds, String cwd) {
        return new Command(command, timeoutSeconds, cwd, null);
    }

    /** A task in a new workspace, or in the connection's own (its token is sealed for that workspace). */
    UUID newTask(UUID repoConnection) {
        UUID workspace = repoConnection != null
                ? db.sql("SELECT workspace_id FROM repo_connections WHERE id = :id")
                        .param("id", repoConnection)
                        .query(UUID.class)
                        .single()
                : db.sql("INSERT INTO workspaces (slug, name) VALUES (:slug, 'w') RETURNING id")
                        .param("slug", "w-" + UUID.randomUUID().toString().substring(0, 8))
                        .query(UUID.class)
                        .single();
        return db.sql("INSERT INTO tasks (workspace_id, repo_connection_id, title) VALUES (:w, :c, 't') RETURNING id")
                .param("w", workspace)
                .param("c", repoConnection)
                .query(UUID.class)
                .single();
    }

    Handle queue(UUID task, List<Command> commands) {
        return queue(task, commands, "safe", List.of());
    }

    /** A run as a worker leaves it after claiming it: provisioning, with a lease. */
    Handle queue(UUID task, List<Command> commands, String mode, List<String> blocked) {
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

    UUID taskOn(UUID connection, String branchName, String baseBranch) {
        UUID task = newTask(connection);
        db.sql("UPDATE tasks SET branch_name = :branch, base_branch = :base WHERE id = :id")
                .param("branch", branchName)
                .param("base", baseBranch)
                .param("id", task)
                .update();
        return task;
    }

    static Map<String, Object> config(List<Command> commands, String commitMessage, String prTitle, String prBody) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("commands", commands);
        config.put("commitMessage", commitMessage);
        config.put("prTitle", prTitle);
        config.put("prBody", prBody);
        return config;
    }

    /** A claimed run of the task with this config, as a worker leaves it. */
    Handle queue(UUID task, Map<String, Object> config) {
        UUID lease = UUID.randomUUID();
        UUID run = db.sql("""
                        INSERT INTO runs (task_id, attempt, status, permission_mode, config, lease_token,
                                          lease_expires_at, base_branch, branch_name)
                        SELECT :task, (SELECT COALESCE(max(attempt), 0) + 1 FROM runs WHERE task_id = :task),
                               'provisioning', 'safe', CAST(:config AS jsonb), :lease, now() + interval '1 minute',
                               base_branch, branch_name
                          FROM tasks WHERE id = :task
                        RETURNING id""")
                .param("task", task)
                .param("config", JSON.writeValueAsString(config))
                .param("lease", lease)
                .query(UUID.class)
                .single();
        return new Handle(run, task, lease);
    }

    UUID repository(String owner, String repo, String token) throws Exception {
        Path bare = REMOTES.resolve(owner).resolve(repo + ".git");
        Path seed = Files.createTempDirectory("seed");
        git(seed.getParent(), "init", "--bare", "-b", "main", bare.toString());
        git(seed, "init", "-b", "main");
        Files.writeString(seed.resolve("README.md"), "# " + repo + "\n");
        git(seed, "add", ".");
        git(seed, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-m", "init");
        git(seed, "remote", "add", "origin", bare.toString());
        git(seed, "push", "origin", "main");
        UUID workspace = db.sql("INSERT INTO workspaces (slug, name) VALUES (:slug, 'r') RETURNING id")
                .param("slug", "r-" + UUID.randomUUID().toString().substring(0, 8))
                .query(UUID.class)
                .single();
        UUID id = UUID.randomUUID();
        byte[] sealed = token == null
                ? null
                : secrets.seal(token, SecretBinding.repositoryToken(id, workspace, "github", owner, repo));
        return db.sql("""
                        INSERT INTO repo_connections (id, workspace_id, owner, repo, default_branch, auth_type,
                                                      token_ciphertext)
                        VALUES (:id, :w, :owner, :repo, 'main', :auth, :token) RETURNING id""")
                .param("id", id)
                .param("w", workspace)
                .param("owner", owner)
                .param("repo", repo)
                .param("auth", token == null ? "none" : "pat")
                .param("token", sealed)
                .query(UUID.class)
                .single();
    }

    static void git(Path directory, String... args) throws Exception {
        // A sandboxed run's workspace belongs to the sandbox's uid: git's ownership check would refuse it.
        List<String> command = new ArrayList<>(List.of("git", "-c", "safe.directory=*"));
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

    String body(Handle run) {
        return "{\"runId\":\"" + run.runId() + "\",\"attempt\":" + attempt(run) + ",\"leaseToken\":\"" + run.lease()
                + "\"}";
    }

    int attempt(Handle run) {
        return db.sql("SELECT attempt FROM runs WHERE id = :id")
                .param("id", run.runId())
                .query(Integer.class)
                .single();
    }

    HttpResponse<String> execute(Handle run) {
        return post("/internal/runs/execute", body(run), TOKEN);
    }

    /** What the API does: mark the cancel and notify. */
    void cancel(Handle run) {
        db.sql("UPDATE runs SET cancel_requested_at = now() WHERE id = :id")
                .param("id", run.runId())
                .update();
        db.sql("SELECT pg_notify('run_cancel', :id)")
                .param("id", run.runId().toString())
                .query()
                .listOfRows();
    }

    HttpResponse<String> post(String path, String json, String token) {
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

    void awaitStatus(Handle run, String status) {
        awaitStatus(run, status, Duration.ofSeconds(60));
    }

    /** Waits for {@code status}; a run that ends in another state fails at once instead of waiting it out. */
    void awaitStatus(Handle run, String status, Duration atMost) {
        List<String> terminal = List.of("completed", "failed", "cancelled");
        await().atMost(atMost).pollInterval(Duration.ofMillis(50)).until(() -> {
            String now = column(run, "status");
            return now.equals(status) || terminal.contains(now);
        });
        String error = db.sql("SELECT coalesce(error_message, '') FROM runs WHERE id = :id")
                .param("id", run.runId())
                .query(String.class)
                .single();
        assertThat(column(run, "status"))
                .as("run status; error: %s; events: %s", error, types(events(run)))
                .isEqualTo(status);
    }

    String column(Handle run, String column) {
        return db.sql("SELECT " + column + "::text FROM runs WHERE id = :id")
                .param("id", run.runId())
                .query(String.class)
                .single();
    }

    List<JsonNode> events(Handle run) {
        return db.sql("""
                        SELECT json_build_object('sequence', sequence, 'event_type', event_type, 'level', level,
                                                 'message', message, 'payload', payload)::text
                          FROM run_events WHERE run_id = :id ORDER BY sequence""").param("id", run.runId()).query(String.class).list().stream()
                .map(JSON::readTree)
                .toList();
    }

    List<String> logLines(Handle run) {
        return db.sql("""
                        SELECT message FROM run_events WHERE run_id = :id AND event_type = 'run.log'
                           AND NOT jsonb_exists(payload, 'source') ORDER BY sequence""").param("id", run.runId()).query(String.class).list();
    }

    static List<String> types(List<JsonNode> events) {
        return events.stream().map(e -> e.get("event_type").asString()).toList();
    }

    static List<Long> sequence(long from, long to) {
        List<Long> values = new ArrayList<>();
        for (long i = from; i <= to; i++) {
            values.add(i);
        }
        return values;
    }

    /** A sleep duration no other process uses, so the test can find its own processes by command line. */
    static String uniqueSleepSeconds() {
        return "1000." + (100000 + new java.util.Random().nextInt(900000));
    }

    static long processesWith(String marker) {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info()
                        .commandLine()
                        .map(line -> line.contains(marker))
                        .orElse(false))
                .count();
    }

    static Path temporaryDirectory(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
