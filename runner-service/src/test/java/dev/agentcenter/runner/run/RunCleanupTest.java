package dev.agentcenter.runner.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

@TestPropertySource(properties = "agent-center.runner.cleanup-mode=delete_on_completion")
class RunCleanupTest extends RunnerFixture {

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
}
