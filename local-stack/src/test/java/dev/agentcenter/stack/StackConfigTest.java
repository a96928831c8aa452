package dev.agentcenter.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StackConfigTest {

    private static final Path ROOT = Path.of("/repo");

    @Test
    void defaults() {
        StackConfig config = StackConfig.fromEnvironment(Map.of(), ROOT);

        assertThat(config.dataDir()).isEqualTo(Path.of("/repo/.agent-center/data"));
        assertThat(config.logsDir()).isEqualTo(Path.of("/repo/.agent-center/logs"));
        assertThat(config.databaseUrl()).isNull();
        assertThat(config.endpoint(Service.API).baseUrl()).hasToString("http://127.0.0.1:3000");
        assertThat(config.endpoint(Service.WORKER).port()).isEqualTo(3001);
        assertThat(config.endpoint(Service.RUNNER).port()).isEqualTo(3002);
        assertThat(config.javaOptions()).isEqualTo(StackConfig.DEFAULT_JAVA_OPTIONS);
        assertThat(config.startupTimeout()).hasSeconds(180);
    }

    @Test
    void readsOverrides() {
        StackConfig config = StackConfig.fromEnvironment(
                Map.of(
                        "AGENT_CENTER_DATA_DIR", "/var/lib/ac",
                        "API_PORT", "4000",
                        "RUNNER_HOST", "0.0.0.0",
                        "WORKER_HOST", "::",
                        "DATABASE_URL", " postgres://u:p@db/ac ",
                        "AGENT_CENTER_JAVA_OPTS", "-Xmx1g  -XX:+UseG1GC",
                        "AGENT_CENTER_STARTUP_TIMEOUT_SECONDS", "30"),
                ROOT);

        assertThat(config.dataDir()).isEqualTo(Path.of("/var/lib/ac"));
        assertThat(config.logsDir()).isEqualTo(Path.of("/var/lib/logs"));
        assertThat(config.endpoint(Service.API).port()).isEqualTo(4000);
        assertThat(config.endpoint(Service.RUNNER).baseUrl()).hasToString("http://127.0.0.1:3002");
        assertThat(config.endpoint(Service.WORKER).baseUrl()).hasToString("http://[::1]:3001");
        assertThat(config.databaseUrl()).isEqualTo("postgres://u:p@db/ac");
        assertThat(config.javaOptions()).containsExactly("-Xmx1g", "-XX:+UseG1GC");
        assertThat(config.startupTimeout()).hasSeconds(30);
    }

    @Test
    void namesTheVariableOfABadValue() {
        assertThatThrownBy(() -> StackConfig.fromEnvironment(Map.of("WORKER_PORT", "30o1"), ROOT))
                .hasMessageContaining("WORKER_PORT")
                .hasMessageContaining("30o1");
        assertThatThrownBy(() -> StackConfig.fromEnvironment(Map.of("API_PORT", "70000"), ROOT))
                .hasMessageContaining("API_PORT");
        assertThatThrownBy(
                        () -> StackConfig.fromEnvironment(Map.of("AGENT_CENTER_STARTUP_TIMEOUT_SECONDS", "soon"), ROOT))
                .hasMessageContaining("AGENT_CENTER_STARTUP_TIMEOUT_SECONDS");
    }

    @Test
    void theReadyLineHasTheAgreedShape() {
        StackConfig config = StackConfig.fromEnvironment(Map.of(), ROOT);

        assertThat(UpCommand.readyLine(config, 7.44))
                .isEqualTo(
                        "Agent Center is ready: http://127.0.0.1:3000 (api 3000, worker 3001, runner 3002) in 7.4 s");
    }
}
