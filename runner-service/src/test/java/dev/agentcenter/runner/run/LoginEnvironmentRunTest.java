package dev.agentcenter.runner.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentcenter.runner.execution.LoginEnvironment;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * The runner with a login environment of its own: a fake {@code HOME} whose {@code .bash_profile} exports a variable
 * and puts the fake Claude Code CLI on {@code PATH}. Commands (run by a plain {@code bash -c}) and the agent (found
 * by name on the resolved {@code PATH}) see what the profile set up, and the profile runs once, not per command.
 */
class LoginEnvironmentRunTest extends RunnerFixture {

    static final Path HOME = temporaryDirectory("runner-login-home");
    static final Path FAKES = AgentRunTest.copyFakeAgents();

    static {
        try {
            Files.writeString(HOME.resolve(".bash_profile"), """
                    echo sourced >> "$HOME/sourced"
                    export PROFILE_GREETING=hello-from-profile
                    export PATH="%s:$PATH"
                    export DATABASE_URL=postgres://from-the-profile/db
                    """.formatted(FAKES));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The runner's login environment, resolved from the fake {@code HOME} instead of the test machine's. */
    @TestConfiguration
    static class FakeHome {
        @Bean
        @Primary
        LoginEnvironment fakeHomeLoginEnvironment(Clock clock) {
            return new LoginEnvironment(
                    List.of("bash", "-c"),
                    true,
                    Map.of("PATH", "/usr/local/bin:/usr/bin:/bin", "HOME", HOME.toString()),
                    Duration.ofSeconds(60),
                    clock);
        }
    }

    @DynamicPropertySource
    static void agentSettings(DynamicPropertyRegistry registry) {
        // A bare name: found only on the PATH the profile builds.
        registry.add("agent-center.agents.claude-path", () -> "claude");
        registry.add("agent-center.agents.anthropic-api-key", () -> "sk-ant-runner-login-env-0123456789abcdef");
        registry.add("agent-center.agents.timeout", () -> "30s");
        // The fake CLIs write down how they were called next to themselves, outside any workspace: this class tests
        // the runner and the agents' protocol on the host; RealAgentCliTest runs the real CLIs in the sandbox.
        registry.add("agent-center.sandbox.mode", () -> "none");
    }

    @Autowired
    LoginEnvironment login;

    @Test
    void commandsSeeTheProfilesVariablesAndPathWithoutALoginShellEach() throws IOException {
        login.current(); // the resolution the runner started in the background is done
        long before = timesSourced();
        Handle run = queue(
                newTask(null),
                List.of(
                        command("echo \"$PROFILE_GREETING\""),
                        command("command -v claude"),
                        command("echo \"${DATABASE_URL:-no-database-url}\"")));

        assertThat(execute(run).statusCode()).isEqualTo(202);
        awaitStatus(run, "completed");

        assertThat(logLines(run))
                .containsExactly("hello-from-profile", FAKES.resolve("claude").toString(), "no-database-url");
        assertThat(timesSourced())
                .as("resolved when the runner started, not per command")
                .isEqualTo(before);
    }

    @Test
    void theAgentIsFoundOnTheResolvedPath() {
        UUID task = newTask(null);
        db.sql("UPDATE tasks SET prompt = 'Say hello scenario=basic' WHERE id = :id")
                .param("id", task)
                .update();
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("commands", List.of(Map.of("command", "cat hello.txt")));
        config.put("agent", Map.of("provider", "claude"));
        UUID lease = UUID.randomUUID();
        UUID runId = db.sql("""
                        INSERT INTO runs (task_id, attempt, status, source, prompt, permission_mode, config,
                                          lease_token, lease_expires_at)
                        VALUES (:task, 1, 'provisioning', 'api', 'Say hello scenario=basic', 'safe',
                                CAST(:config AS jsonb), :lease, now() + interval '1 minute')
                        RETURNING id""")
                .param("task", task)
                .param("config", JSON.writeValueAsString(config))
                .param("lease", lease)
                .query(UUID.class)
                .single();
        Handle run = new Handle(runId, task, lease);

        assertThat(execute(run).statusCode()).isEqualTo(202);
        awaitStatus(run, "completed");

        assertThat(types(events(run))).contains("agent.started", "agent.finished");
        assertThat(logLines(run)).contains("hello from claude");
    }

    @Test
    void theInternalRoutesShowAndRefreshItBehindTheToken() throws IOException {
        assertThat(get("/internal/environment", null).status()).isEqualTo(401);
        assertThat(post("/internal/environment/refresh", "", "wrong-token").statusCode())
                .isEqualTo(401);

        Answer shown = get("/internal/environment", "Bearer " + TOKEN);
        assertThat(shown.status()).isEqualTo(200);
        assertThat(shown.body().get("source").asString()).isEqualTo("login_shell");
        assertThat(shown.body().get("loginShell").asString()).isEqualTo("bash -l -c");
        assertThat(shown.body().get("appliesToCommands").asBoolean()).isTrue();
        assertThat(shown.body().get("path").asString()).startsWith(FAKES + ":");
        assertThat(names(shown.body()))
                .contains("PROFILE_GREETING", "PATH", "HOME")
                .doesNotContain("DATABASE_URL");
        assertThat(shown.rawBody()).as("names only, no values").doesNotContain("hello-from-profile");

        long before = timesSourced();
        HttpResponse<String> refreshed = post("/internal/environment/refresh", "", TOKEN);
        assertThat(refreshed.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(refreshed.body()).get("source").asString()).isEqualTo("login_shell");
        assertThat(timesSourced()).isEqualTo(before + 1);
    }

    private static List<String> names(JsonNode body) {
        return body.get("variables").valueStream().map(JsonNode::asString).toList();
    }

    private static long timesSourced() throws IOException {
        Path counter = HOME.resolve("sourced");
        return Files.exists(counter) ? Files.readAllLines(counter).size() : 0;
    }
}
