package dev.agentcenter.runner.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

@TestPropertySource(properties = "agent-center.runner.cleanup-mode=delete_on_completion")
class RunCleanupTest extends RunnerFixture {

    @Autowired
    RunSupervisor supervisor;

    @Test
    void deletesTheWorkspaceOfACompletedRunAndKeepsAFailedOne() {
        Handle completed = queue(newTask(null), List.of(command("echo done > out.txt")));
        execute(completed);
        awaitStatus(completed, "completed");
        Path completedWorkspace = Path.of(column(completed, "workspace_path"));
        org.awaitility.Awaitility.await().until(() -> !Files.exists(completedWorkspace));

        Handle failed = queue(newTask(null), List.of(command("echo evidence > out.txt; exit 1")));
        execute(failed);
        awaitStatus(failed, "failed");
        Path failedWorkspace = Path.of(column(failed, "workspace_path"));
        assertThat(failedWorkspace.resolve("out.txt"))
                .as("failed workspaces are kept for inspection")
                .exists();
    }

    @Test
    void aRunTakenAwayFromThisRunnerLeavesItsWorkspaceToTheNewHolder() {
        String marker = uniqueSleepSeconds();
        Handle run = queue(newTask(null), List.of(command("echo go > out.txt; sleep " + marker)));
        execute(run);
        await().atMost(Duration.ofSeconds(30)).until(() -> processesWith(marker) >= 1);
        Path workspace = Path.of(column(run, "workspace_path"));

        // Another runner now holds the run (re-queued and claimed again): this one loses it at its next renewal.
        db.sql("UPDATE runs SET lease_token = :other WHERE id = :id")
                .param("other", UUID.randomUUID())
                .param("id", run.runId())
                .update();

        await().atMost(Duration.ofSeconds(30))
                .until(() -> !supervisor.activeRuns().contains(run.runId()));
        assertThat(column(run, "status"))
                .as("the new holder's run is untouched")
                .isEqualTo("running");
        assertThat(workspace.resolve("out.txt"))
                .as("the workspace now belongs to the new holder and is not deleted")
                .exists();
    }
}
