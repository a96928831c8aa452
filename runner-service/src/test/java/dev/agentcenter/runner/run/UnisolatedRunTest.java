package dev.agentcenter.runner.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/** A runner without a sandbox ({@code RUNNER_SANDBOX=none}): it says so, and refuses runs that require one. */
@TestPropertySource(properties = "agent-center.sandbox.mode=none")
class UnisolatedRunTest extends RunnerFixture {

    @Test
    void healthWarnsThatRunsAreNotIsolated() {
        Answer health = get("/health", null);

        assertThat(health.status()).isEqualTo(200);
        assertThat(health.body().get("isolation").asString()).isEqualTo("none");
        assertThat(health.body().get("warning").asString()).contains("not isolated");
    }

    @Test
    void aRunThatRequiresASandboxFailsBeforeAnyProcessStarts() {
        Handle run = queue(
                newTask(null),
                Map.of(
                        "commands",
                        List.of(Map.of("command", "echo must-not-run > ran.txt")),
                        "sandbox",
                        Map.of("required", true)));
        execute(run);

        awaitStatus(run, "failed");
        assertThat(column(run, "error_code")).isEqualTo("sandbox_unavailable");
        assertThat(column(run, "error_message")).contains("config.sandbox.required", "RUNNER_SANDBOX is none");
        assertThat(types(events(run))).doesNotContain("run.command.started");
        assertThat(logLines(run)).doesNotContain("must-not-run");
    }

    @Test
    void aRunThatDoesNotRequireOneRunsUnisolated() {
        Handle run = queue(newTask(null), List.of(command("echo plain")));
        execute(run);

        awaitStatus(run, "completed");
        assertThat(logLines(run)).contains("plain");
    }
}
