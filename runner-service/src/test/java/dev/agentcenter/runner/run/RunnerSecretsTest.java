package dev.agentcenter.runner.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/**
 * Issue 12, finding 3, without a sandbox: what a {@code safe}-mode command can reach of the runner, and that what it
 * prints of the runner's own secrets is stored as {@code [REDACTED]}. {@code RUNNER_SANDBOX=none}: this is the worst
 * case, a command on the host whose parent is the runner (with a sandbox its parent is bubblewrap's init, see
 * HostileRunTest).
 */
@TestPropertySource(properties = "agent-center.sandbox.mode=none")
class RunnerSecretsTest extends RunnerFixture {

    @Test
    void whatACommandPrintsOfTheRunnersSecretsIsStoredRedacted() {
        String base64Token = Base64.getEncoder().encodeToString(TOKEN.getBytes(StandardCharsets.UTF_8));
        Handle run = queue(
                newTask(null),
                List.of(
                        command("echo \"token=" + TOKEN + " key=" + KEY + "\""),
                        command("printf '%s' '" + TOKEN + "' | base64"),
                        command("printf 'RUNNER_INTERNAL_TOKEN=%s\\0CREDENTIAL_ENCRYPTION_KEY=%s\\0' '" + TOKEN + "' '"
                                + KEY + "' | tr '\\0' '\\n'")));
        execute(run);
        awaitStatus(run, "completed");

        assertThat(logLines(run))
                .containsExactly(
                        "token=[REDACTED] key=[REDACTED]",
                        "[REDACTED]",
                        "RUNNER_INTERNAL_TOKEN=[REDACTED]",
                        "CREDENTIAL_ENCRYPTION_KEY=[REDACTED]");
        String everything = db.sql("SELECT string_agg(coalesce(message, '') || payload::text, ' ') FROM run_events"
                        + " WHERE run_id = :id")
                .param("id", run.runId())
                .query(String.class)
                .single();
        assertThat(everything).doesNotContain(TOKEN).doesNotContain(KEY).doesNotContain(base64Token);
    }

    /**
     * The honest part: the command's shell is a child of the runner itself ({@code setsid} executes the shell in
     * place), so {@code $PPID} is the runner's pid and {@code /proc/$PPID/environ} is the runner's environment,
     * readable by any process of the same user. Secrets must therefore not be in that environment ({@code *_FILE}); the
     * test runner gets its secrets as properties, as a runner started with {@code *_FILE} does, and the command finds
     * none of them there, while its own environment holds no runner secret name either.
     */
    @Test
    void aCommandsParentIsTheRunnerWhoseEnvironmentHoldsNoSecretWhenTheyComeFromFiles() {
        long runner = ProcessHandle.current().pid();
        Handle run = queue(
                newTask(null),
                List.of(
                        command("echo \"parent=$PPID\""),
                        command("echo \"parent-command=$(ps -o comm= -p $PPID)\""),
                        command("tr '\\0' '\\n' < /proc/$PPID/environ > parent.env && echo readable=$?"),
                        command("tr '\\0' '\\n' < /proc/$$/environ > own.env && echo own=$?"),
                        command("cat parent.env; echo '--- own ---'; cat own.env")));
        execute(run);
        awaitStatus(run, "completed");

        List<String> lines = logLines(run);
        assertThat(lines).startsWith("parent=" + runner, "parent-command=java", "readable=0", "own=0");
        int own = lines.indexOf("--- own ---");
        List<String> parentEnvironment = lines.subList(4, own);
        List<String> ownEnvironment = lines.subList(own + 1, lines.size());
        assertThat(parentEnvironment).isNotEmpty();
        assertThat(String.join("\n", parentEnvironment)).doesNotContain(TOKEN).doesNotContain(KEY);
        // Whoever runs the tests with DATABASE_URL set sees the other half: a secret in the runner's environment is
        // readable, and only redaction keeps it out of the stored log.
        assertThat(parentEnvironment)
                .filteredOn(line -> line.startsWith("DATABASE_URL="))
                .allMatch(line -> line.equals("DATABASE_URL=[REDACTED]"));
        assertThat(ownEnvironment)
                .isNotEmpty()
                .noneMatch(line -> line.startsWith("RUNNER_INTERNAL_TOKEN=")
                        || line.startsWith("CREDENTIAL_ENCRYPTION_KEY=")
                        || line.startsWith("DATABASE_URL=")
                        || line.startsWith("AGENT_CENTER_API_TOKEN=")
                        || line.startsWith("GITHUB_TOKEN="));
    }
}
