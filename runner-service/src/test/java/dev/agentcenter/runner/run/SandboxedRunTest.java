package dev.agentcenter.runner.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentcenter.runner.agent.Agents;
import dev.agentcenter.runner.sandbox.Bubblewrap;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Whole runs in the sandbox (the default, {@code RUNNER_SANDBOX=auto}, where bubblewrap works): what a run's commands
 * can do, that nothing they start outlives the run, and that the runner's own git and a follow-up still work in a
 * workspace that belongs to the sandbox's uid.
 */
class SandboxedRunTest extends RunnerFixture {

    @BeforeAll
    static void bubblewrapWorks() {
        Bubblewrap.required(ROOT.resolve("probe-workspaces"));
    }

    @Test
    void theRunnerReportsItsIsolation() {
        Answer health = get("/health", null);

        assertThat(health.body().get("isolation").asString()).isEqualTo("bubblewrap");
        assertThat(health.body().has("warning")).isFalse();
    }

    @Test
    void aRunsDaemonsAreGoneWhenItEndsAndAFollowUpWorksOnWhatItLeft() throws Exception {
        String sleep = uniqueSleepSeconds();
        java.util.UUID task = newTask(null);
        java.util.UUID other = newTask(null);
        Handle first = queue(other, List.of(command("echo other-secret > secret.txt")));
        execute(first);
        awaitStatus(first, "completed");
        Path otherWorkspace = Path.of(column(first, "workspace_path"));

        Handle run = queue(
                task,
                List.of(
                        command("setsid sleep " + sleep + " > /dev/null 2>&1 < /dev/null & echo started"),
                        command("id -u > who.txt; cat " + otherWorkspace.resolve("secret.txt")
                                + " > stolen.txt 2>&1; ls " + otherWorkspace.getParent() + " > listing.txt; true")));
        execute(run);
        awaitStatus(run, "completed");

        await().atMost(Duration.ofSeconds(30)).until(() -> processesWith("sleep " + sleep) == 0);
        Path workspace = Path.of(column(run, "workspace_path"));
        String uid = Agents.runningAsRoot()
                ? "61000"
                : Files.getAttribute(Path.of("/proc/self"), "unix:uid").toString();
        assertThat(Files.readString(workspace.resolve("who.txt")).strip()).isEqualTo(uid);
        assertThat(Files.readString(workspace.resolve("stolen.txt")))
                .doesNotContain("other-secret")
                .contains("No such file");
        assertThat(Files.readString(workspace.resolve("listing.txt")))
                .contains(workspace.getFileName().toString())
                .doesNotContain(otherWorkspace.getFileName().toString());
        assertThat(storedDiff(run)).contains("who.txt");

        // The runner's git (diff, baseline) and a follow-up both work in a workspace owned by the sandbox's uid.
        Handle followUp = queue(task, List.of(command("cat who.txt && echo more >> who.txt")));
        execute(followUp);
        awaitStatus(followUp, "completed");
        assertThat(logLines(followUp)).contains(uid);
    }

    @Test
    void aCancelledRunLeavesNothingRunning() {
        String sleep = uniqueSleepSeconds();
        Handle run = queue(
                newTask(null),
                List.of(command("setsid sleep " + sleep + " > /dev/null 2>&1 < /dev/null & sleep " + sleep)));
        execute(run);
        await().atMost(Duration.ofSeconds(30)).until(() -> processesWith("sleep " + sleep) >= 2);

        cancel(run);

        awaitStatus(run, "cancelled");
        await().atMost(Duration.ofSeconds(30)).until(() -> processesWith("sleep " + sleep) == 0);
    }

    @Test
    void aRequiredSandboxIsThereAndANetworkSettingIsAccepted() {
        Handle run = queue(
                newTask(null),
                Map.of(
                        "commands",
                        List.of(Map.of("command", "echo isolated")),
                        "sandbox",
                        Map.of("required", true, "network", "full")));
        execute(run);

        awaitStatus(run, "completed");
        assertThat(logLines(run)).contains("isolated");
    }

    private String storedDiff(Handle run) {
        return db.sql("SELECT files::text FROM run_diffs WHERE run_id = :id")
                .param("id", run.runId())
                .query(String.class)
                .single();
    }
}
