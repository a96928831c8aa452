package dev.agentcenter.runner.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Workspace affinity on the runner's side: a runner records itself as the holder of the task's workspace, and a run
 * the worker re-homed here starts from a fresh workspace (a stale copy from an earlier stay is deleted, agent session
 * files included) and says so.
 */
class RunRehomeTest extends RunnerFixture {

    @Test
    void theRunnerRecordsItselfAsTheHolderOfTheTasksWorkspace() {
        UUID task = newTask(null);
        Handle run = queue(task, List.of(command("echo one > state.txt")));
        execute(run);
        awaitStatus(run, "completed");

        assertThat(db.sql("SELECT r.name FROM tasks t JOIN runners r ON r.id = t.workspace_runner_id WHERE t.id = :id")
                        .param("id", task)
                        .query(String.class)
                        .single())
                .isEqualTo("runner-under-test");
        assertThat(types(events(run))).doesNotContain("run.workspace.recreated");
    }

    @Test
    void aReHomedRunStartsFromAFreshWorkspaceAndSaysSo() throws Exception {
        UUID task = newTask(null);
        Handle first = queue(task, List.of(command("echo stale > state.txt")));
        execute(first);
        awaitStatus(first, "completed");
        Path agentState = ROOT.resolve("workspaces").resolve(".agent-state").resolve(task.toString());
        Files.createDirectories(agentState.resolve("codex"));
        Files.writeString(agentState.resolve("codex").resolve("session.jsonl"), "{}\n");

        // The task went on elsewhere meanwhile; the worker now re-homes it here.
        UUID elsewhere = UUID.randomUUID();
        Handle back = queue(task, List.of(command("if [ -e state.txt ]; then echo kept; else echo fresh; fi")));
        db.sql("UPDATE runs SET rehomed_from_runner_id = :from WHERE id = :id")
                .param("from", elsewhere)
                .param("id", back.runId())
                .update();
        execute(back);
        awaitStatus(back, "completed");

        assertThat(logLines(back)).containsExactly("fresh");
        assertThat(agentState).doesNotExist();
        List<JsonNode> events = events(back);
        JsonNode recreated = events.stream()
                .filter(e -> e.get("event_type").asString().equals("run.workspace.recreated"))
                .findFirst()
                .orElseThrow();
        assertThat(recreated.get("level").asString()).isEqualTo("warn");
        assertThat(recreated.get("message").asString()).contains("empty workspace");
        JsonNode payload = recreated.get("payload");
        assertThat(payload.get("fromRunnerId").asString()).isEqualTo(elsewhere.toString());
        assertThat(payload.get("staleCopyDiscarded").asBoolean()).isTrue();
        assertThat(types(events)).containsSubsequence("run.workspace.recreated", "run.workspace.ready");
    }
}
