package dev.agentcenter.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ChildEnvironmentTest {

    private static final Map<String, String> PARENT = Map.of(
            "PATH", "/usr/bin:/bin",
            "HOME", "/home/dev",
            "API_PORT", "3100",
            "AGENT_CENTER_API_TOKEN", "user-api-token",
            "AGENT_CENTER_PARENT_PID", "1");

    private static final Map<String, String> GENERATED = Map.of(
            "CREDENTIAL_ENCRYPTION_KEY_FILE", "/data/credential.key",
            "RUNNER_INTERNAL_TOKEN_FILE", "/data/runner.token",
            "SPRING_DATASOURCE_PASSWORD_FILE", "/data/postgres.password");

    @Test
    void addsOnlyTheLauncherVariablesAndKeepsEverythingElseAsItWas() {
        Map<String, String> env = ChildEnvironment.build(
                PARENT, "postgres://postgres@127.0.0.1:5555/agent_center", 4242, Path.of("/data"), GENERATED);

        Set<String> added = new java.util.HashSet<>(env.keySet());
        added.removeAll(PARENT.keySet());
        assertThat(added).isSubsetOf(ChildEnvironment.ADDED);
        assertThat(env)
                .containsEntry("DATABASE_URL", "postgres://postgres@127.0.0.1:5555/agent_center")
                .containsEntry("AGENT_CENTER_PARENT_PID", "4242")
                .containsEntry("AGENT_CENTER_DATA_DIR", "/data")
                .containsEntry("CREDENTIAL_ENCRYPTION_KEY_FILE", "/data/credential.key")
                .containsEntry("RUNNER_INTERNAL_TOKEN_FILE", "/data/runner.token")
                .containsEntry("SPRING_DATASOURCE_PASSWORD_FILE", "/data/postgres.password")
                .doesNotContainKeys("CREDENTIAL_ENCRYPTION_KEY", "RUNNER_INTERNAL_TOKEN");
        PARENT.forEach((name, value) -> {
            if (!ChildEnvironment.ADDED.contains(name)) {
                assertThat(env).containsEntry(name, value);
            }
        });
    }

    @Test
    void secretsTheUserSetWinOverGeneratedOnes() {
        Map<String, String> parent = new HashMap<>(PARENT);
        parent.put("CREDENTIAL_ENCRYPTION_KEY", "users-key");
        parent.put("RUNNER_INTERNAL_TOKEN", " ");
        parent.put("SPRING_DATASOURCE_PASSWORD_FILE", "/run/secrets/db");

        Map<String, String> env = ChildEnvironment.build(parent, "postgres://x@h/db", 1, Path.of("/d"), GENERATED);

        assertThat(env)
                .containsEntry("CREDENTIAL_ENCRYPTION_KEY", "users-key")
                .doesNotContainKey("CREDENTIAL_ENCRYPTION_KEY_FILE");
        assertThat(env).containsEntry("RUNNER_INTERNAL_TOKEN_FILE", "/data/runner.token");
        assertThat(env).containsEntry("SPRING_DATASOURCE_PASSWORD_FILE", "/run/secrets/db");
    }

    @Test
    void eachServiceGetsOnlyTheSecretsItNeeds() {
        Map<String, String> parent = new HashMap<>(PARENT);
        parent.putAll(Map.of(
                "GITHUB_TOKEN", "ghp",
                "OPENAI_API_KEY", "sk",
                "ANTHROPIC_API_KEY", "sk-ant",
                "AGENT_CENTER_API_TOKEN_FILE", "/run/secrets/api"));
        Map<String, String> all = ChildEnvironment.build(parent, "postgres://x@h/db", 1, Path.of("/d"), GENERATED);

        Map<String, String> api = ChildEnvironment.forService(Service.API, all);
        Map<String, String> worker = ChildEnvironment.forService(Service.WORKER, all);
        Map<String, String> runner = ChildEnvironment.forService(Service.RUNNER, all);

        assertThat(api)
                .containsKeys("AGENT_CENTER_API_TOKEN", "AGENT_CENTER_API_TOKEN_FILE", "CREDENTIAL_ENCRYPTION_KEY_FILE")
                .containsKeys("GITHUB_TOKEN", "SPRING_DATASOURCE_PASSWORD_FILE")
                .doesNotContainKeys("RUNNER_INTERNAL_TOKEN_FILE", "OPENAI_API_KEY", "ANTHROPIC_API_KEY");
        // the worker sends run-end notices to GitHub and webhooks: it opens repository tokens and webhook secrets
        assertThat(worker)
                .containsKeys(
                        "RUNNER_INTERNAL_TOKEN_FILE",
                        "SPRING_DATASOURCE_PASSWORD_FILE",
                        "CREDENTIAL_ENCRYPTION_KEY_FILE",
                        "GITHUB_TOKEN")
                .doesNotContainKeys(
                        "AGENT_CENTER_API_TOKEN", "AGENT_CENTER_API_TOKEN_FILE", "OPENAI_API_KEY", "ANTHROPIC_API_KEY");
        assertThat(runner)
                .containsKeys(
                        "RUNNER_INTERNAL_TOKEN_FILE",
                        "CREDENTIAL_ENCRYPTION_KEY_FILE",
                        "GITHUB_TOKEN",
                        "OPENAI_API_KEY")
                .doesNotContainKeys("AGENT_CENTER_API_TOKEN", "AGENT_CENTER_API_TOKEN_FILE");
        for (Map<String, String> env : List.of(api, worker, runner)) {
            assertThat(env).containsEntry("DATABASE_URL", "postgres://x@h/db").containsEntry("PATH", "/usr/bin:/bin");
        }
    }

    @Test
    void refusesToSetAnyOtherVariable() {
        assertThatThrownBy(() -> ChildEnvironment.build(
                        PARENT, "postgres://x@h/db", 1, Path.of("/d"), Map.of("JAVA_TOOL_OPTIONS", "-Dx=y")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("JAVA_TOOL_OPTIONS");
    }

    @Test
    void theServiceCommandLineCarriesNoSecret() {
        var command = UpCommand.serviceCommand(
                "/jdk/bin/java",
                StackConfig.DEFAULT_JAVA_OPTIONS,
                java.util.List.of("-jar", "/repo/api-service/target/api-service.jar"));

        assertThat(command).startsWith("/jdk/bin/java").endsWith("-jar", "/repo/api-service/target/api-service.jar");
        assertThat(String.join(" ", command))
                .doesNotContain("generated-key", "generated-token", "postgres://", "user-api-token");
    }
}
