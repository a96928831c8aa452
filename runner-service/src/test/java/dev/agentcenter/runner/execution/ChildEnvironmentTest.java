package dev.agentcenter.runner.execution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ChildEnvironmentTest {

    private static final Map<String, String> RUNNER = Map.ofEntries(
            Map.entry("PATH", "/usr/bin:/bin"),
            Map.entry("HOME", "/home/runner"),
            Map.entry("USER", "runner"),
            Map.entry("LOGNAME", "runner"),
            Map.entry("SHELL", "/bin/bash"),
            Map.entry("LANG", "C.UTF-8"),
            Map.entry("LC_ALL", "C.UTF-8"),
            Map.entry("LC_CTYPE", "C.UTF-8"),
            Map.entry("TZ", "UTC"),
            Map.entry("TMPDIR", "/tmp"),
            Map.entry("DATABASE_URL", "postgres://u:p@db/agent"),
            Map.entry("SPRING_DATASOURCE_PASSWORD", "secret"),
            Map.entry("RUNNER_INTERNAL_TOKEN", "internal"),
            Map.entry("CREDENTIAL_ENCRYPTION_KEY", "key"),
            Map.entry("GITHUB_TOKEN", "ghp_x"),
            Map.entry("AGENT_CENTER_API_TOKEN", "api"),
            Map.entry("AWS_SECRET_ACCESS_KEY", "aws"),
            Map.entry("JAVA_HOME", "/usr/lib/jvm/x"));

    @Test
    void keepsOnlyTheAllowlistOfTheRunnersEnvironment() {
        Map<String, String> env = ChildEnvironment.build(RUNNER, Map.of());

        assertThat(env)
                .containsOnlyKeys(
                        "PATH",
                        "HOME",
                        "USER",
                        "LOGNAME",
                        "SHELL",
                        "LANG",
                        "LC_ALL",
                        "LC_CTYPE",
                        "TZ",
                        "TMPDIR",
                        "TERM");
        assertThat(env).containsEntry("HOME", "/home/runner").containsEntry("TERM", "dumb");
    }

    @Test
    void keepsTheRunnersTermAndFillsInAMissingPath() {
        Map<String, String> env = ChildEnvironment.build(Map.of("TERM", "xterm"), Map.of());

        assertThat(env).containsEntry("TERM", "xterm").containsEntry("PATH", ChildEnvironment.DEFAULT_PATH);
    }

    @Test
    void theCommandsOwnVariablesPassAndOverride() {
        Map<String, String> env = ChildEnvironment.build(
                RUNNER, Map.of("NODE_ENV", "test", "PATH", "/opt/tool/bin", "NPM_TOKEN", "task-owned"));

        assertThat(env)
                .containsEntry("NODE_ENV", "test")
                .containsEntry("PATH", "/opt/tool/bin")
                .containsEntry("NPM_TOKEN", "task-owned");
    }

    @Test
    void theRunnersSecretNamesAreDroppedEvenWhenTheCommandAsks() {
        Map<String, String> extra = new HashMap<>();
        ChildEnvironment.RUNNER_SECRETS.forEach(name -> extra.put(name, "from-task"));

        Map<String, String> env = ChildEnvironment.build(RUNNER, extra);

        assertThat(env).doesNotContainKeys("DATABASE_URL", "RUNNER_INTERNAL_TOKEN", "CREDENTIAL_ENCRYPTION_KEY");
        assertThat(env).doesNotContainKeys("AGENT_CENTER_API_TOKEN", "GITHUB_TOKEN", "SPRING_DATASOURCE_PASSWORD");
        assertThat(env).doesNotContainKeys("AWS_SECRET_ACCESS_KEY", "JAVA_HOME");
    }

    @Test
    void namesAndValuesTheOsCannotCarryAreSkipped() {
        Map<String, String> extra = new HashMap<>();
        extra.put("A=B", "x");
        extra.put("NUL", "a\0b");
        extra.put("EMPTY", "");
        extra.put("NULL", null);

        Map<String, String> env = ChildEnvironment.build(Map.of(), extra);

        assertThat(env).containsEntry("EMPTY", "").doesNotContainKeys("A=B", "NUL", "NULL");
    }

    @Test
    void theResultIsUnmodifiable() {
        Map<String, String> env = ChildEnvironment.build(RUNNER, Map.of());

        assertThatThrownBy(() -> env.put("X", "y")).isInstanceOf(UnsupportedOperationException.class);
    }
}
