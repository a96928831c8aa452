package dev.agentcenter.runner.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentcenter.runner.execution.ShellCommand;
import dev.agentcenter.testing.LegacySealing;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Types;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The runner on a real port, handed runs the way a worker hands them (a claimed row + {@code POST
 * /internal/runs/execute}), executing real processes in real workspaces and writing to a real Postgres.
 */
class RunExecutionTest extends RunnerFixture {

    @Test
    void aPlainRunThatLeavesItsEmptyWorkspaceEmptyNeedsNoGitAndAFollowUpStillDiffsAgainstTheStart() throws Exception {
        UUID task = newTask(null);
        Handle quiet = queue(task, List.of(command("echo hi")));
        execute(quiet);
        awaitStatus(quiet, "completed");
        Path workspace = Path.of(column(quiet, "workspace_path"));
        assertThat(workspace).isEmptyDirectory(); // no baseline was laid: no git process ran
        assertThat(storedDiffFiles(quiet)).isEqualTo("[]");

        Handle writes = queue(task, List.of(command("echo one > one.txt")));
        execute(writes);
        awaitStatus(writes, "completed");
        assertThat(storedDiffFiles(writes)).contains("one.txt").contains("added");

        // As before: a follow-up's diff is against the task's first baseline, so it includes earlier runs' files.
        Handle followUp = queue(task, List.of(command("echo two > two.txt")));
        execute(followUp);
        awaitStatus(followUp, "completed");
        assertThat(storedDiffFiles(followUp)).contains("one.txt").contains("two.txt");
    }

    @Test
    void commandsThatMakeTheirOwnRepositoryGetNoCommitOfOurs() throws Exception {
        Handle run = queue(
                newTask(null),
                List.of(command("git init -q -b trunk && echo mine > mine.txt && git add mine.txt"
                        + " && git -c user.name=u -c user.email=u@x commit -q -m mine")));
        execute(run);
        awaitStatus(run, "completed");

        assertThat(storedDiffFiles(run)).contains("mine.txt").contains("added");
        Path workspace = Path.of(column(run, "workspace_path"));
        Process log = new ProcessBuilder("git", "-c", "safe.directory=*", "log", "--format=%s")
                .directory(workspace.toFile())
                .redirectErrorStream(true)
                .start();
        assertThat(new String(log.getInputStream().readAllBytes()).strip()).isEqualTo("mine");
    }

    private String storedDiffFiles(Handle run) {
        return db.sql("SELECT files::text FROM run_diffs WHERE run_id = :id")
                .param("id", run.runId())
                .query(String.class)
                .single();
    }

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

    /**
     * Finding 6 of issue 12: a sealed token copied from another workspace's connection is refused, the run fails with
     * {@code credentials_unavailable} before any clone. Before the fix the copy opened (constant AAD).
     */
    @Test
    void aTokenCopiedFromAnotherConnectionIsRefused() throws Exception {
        UUID victim =
                repository("acme", "victim-" + UUID.randomUUID().toString().substring(0, 8), "ghp_" + "V1ct1m");
        UUID attacker =
                repository("evil", "loot-" + UUID.randomUUID().toString().substring(0, 8), "ghp_" + "0wnT0k3n");
        db.sql("""
                        UPDATE repo_connections
                           SET token_ciphertext = (SELECT token_ciphertext FROM repo_connections WHERE id = :victim)
                         WHERE id = :attacker""").param("victim", victim).param("attacker", attacker).update();
        Handle run = queue(newTask(attacker), List.of(command("echo cloned")));

        execute(run);
        awaitStatus(run, "failed");

        assertThat(column(run, "error_code")).isEqualTo("credentials_unavailable");
        assertThat(column(run, "error_message")).contains("another row");
        assertThat(logLines(run)).doesNotContain("cloned");
    }

    /**
     * A token stored by the previous version (v1) still works while the API has not re-sealed it (runners may start
     * first), and is refused once the API has retired v1, so an old copy cannot be replayed.
     */
    @Test
    void aV1TokenOpensUntilTheApiRetiresV1() throws Exception {
        UUID connection =
                repository("acme", "legacy-" + UUID.randomUUID().toString().substring(0, 8), null);
        db.sql("UPDATE repo_connections SET auth_type = 'pat', token_ciphertext = :sealed WHERE id = :id")
                .param("sealed", LegacySealing.seal(KEY, "repo_token", "ghp_" + "L3g4cyT0k3n"), Types.BINARY)
                .param("id", connection)
                .update();
        UUID task = newTask(connection);

        Handle before = queue(task, List.of(command("echo cloned")));
        execute(before);
        awaitStatus(before, "completed");

        db.sql("UPDATE encryption_settings SET v1_retired_at = now()").update();
        try {
            Handle after = queue(task, List.of(command("echo cloned")));
            execute(after);
            awaitStatus(after, "failed");
            assertThat(column(after, "error_code")).isEqualTo("credentials_unavailable");
            assertThat(column(after, "error_message")).contains("retired v1 format");
        } finally {
            db.sql("UPDATE encryption_settings SET v1_retired_at = NULL").update();
        }
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

    @Test
    void anOverLongLineIsStoredOnceCutAtTheLimitAndMarkedWithItsLength() {
        Handle run = queue(
                newTask(null),
                List.of(command("echo before; head -c 300000 /dev/zero | tr '\\0' a; echo; echo after")));
        execute(run);
        awaitStatus(run, "completed");

        List<JsonNode> lines = events(run).stream()
                .filter(e -> e.get("event_type").asString().equals("run.log"))
                .toList();
        assertThat(lines).hasSize(3);
        JsonNode cut = lines.get(1);
        assertThat(cut.get("message").asString()).isEqualTo("a".repeat(ShellCommand.MAX_LINE_BYTES));
        assertThat(cut.get("payload").get("truncated").asBoolean()).isTrue();
        assertThat(cut.get("payload").get("originalLength").asLong()).isEqualTo(300_000);
        assertThat(cut.get("payload").get("stream").asString()).isEqualTo("stdout");
        assertThat(lines.get(0).get("payload").has("truncated")).isFalse();
        assertThat(lines.get(2).get("message").asString()).isEqualTo("after");
    }

    @Test
    void aRunPastTheOutputCapIsStoppedAndFailsWhileTheRunnerStaysHealthy() {
        // the fixture's cap is 2 MiB: a `yes` flood reaches it in a fraction of a second
        Handle flood = queue(newTask(null), List.of(command("yes"), command("echo never")));
        execute(flood);
        awaitStatus(flood, "failed");
        assertThat(column(flood, "error_code")).isEqualTo("output_limit_exceeded");
        List<JsonNode> events = events(flood);
        JsonNode failed = events.getLast();
        assertThat(failed.get("event_type").asString()).isEqualTo("run.failed");
        assertThat(failed.get("payload").get("maxOutputBytes").asLong()).isEqualTo(2 * 1024 * 1024);
        assertThat(failed.get("payload").has("droppedOutputBytes")).isTrue();
        assertThat(logLines(flood)).doesNotContain("never");
        long stored = db.sql("""
                        SELECT sum(octet_length(message) + octet_length(payload::text) + 64) FROM run_events
                         WHERE run_id = :id AND event_type = 'run.log'""").param("id", flood.runId()).query(Long.class).single();
        // jsonb prints its text with a space after each ':' and ',', a few bytes more per line than counted
        assertThat(stored)
                .as("stored output: the cap plus at most the grace")
                .isBetween(2L * 1024 * 1024, (3L * 1024 * 1024) * 11 / 10);

        Handle next = queue(newTask(null), List.of(command("echo still here")));
        execute(next);
        awaitStatus(next, "completed");
        assertThat(logLines(next)).containsExactly("still here");
        assertThat(get("/health", null).status()).isEqualTo(200);
    }
}
