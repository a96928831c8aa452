package dev.agentcenter.runner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentcenter.runner.run.ExecutionProperties;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.context.ConfigurationPropertiesAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.validation.autoconfigure.ValidationAutoConfiguration;
import org.springframework.context.annotation.Configuration;

class RunnerPropertiesTest {

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties({RunnerProperties.class, ExecutionProperties.class})
    static class Config {}

    private final ApplicationContextRunner context = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(
                    ConfigurationPropertiesAutoConfiguration.class, ValidationAutoConfiguration.class))
            .withUserConfiguration(Config.class);

    @Test
    void defaults() {
        context.run(run -> {
            RunnerProperties properties = run.getBean(RunnerProperties.class);
            assertThat(properties.workspaceRoot()).isEqualTo(Path.of(".agent-center/workspaces"));
            assertThat(properties.cleanupMode()).isEqualTo(RunnerProperties.CleanupMode.RETAIN);
            assertThat(properties.capacity()).isEqualTo(4);
            assertThat(properties.shellCommand()).containsExactly("bash", "-c");
            assertThat(properties.loginEnvironment()).isTrue();
            assertThat(properties.publicUrl()).isEqualTo(URI.create("http://127.0.0.1:3002"));
            assertThat(properties.internalTokenConfigured()).isFalse();
            assertThat(properties.name()).isNotBlank().endsWith("-3002");
        });
    }

    @Test
    void bindsTheDocumentedSpellings() {
        context.withPropertyValues(
                        "agent-center.runner.cleanup-mode=delete_on_completion",
                        "agent-center.runner.name=runner-a",
                        "agent-center.runner.internal-token=  tok  ",
                        "agent-center.runner.shell=sh  -c",
                        "agent-center.runner.public-url=http://runner:3002")
                .run(run -> {
                    RunnerProperties properties = run.getBean(RunnerProperties.class);
                    assertThat(properties.cleanupMode()).isEqualTo(RunnerProperties.CleanupMode.DELETE_ON_COMPLETION);
                    assertThat(properties.name()).isEqualTo("runner-a");
                    assertThat(properties.internalToken()).isEqualTo("tok");
                    assertThat(properties.shellCommand()).containsExactly("sh", "-c");
                });
    }

    @Test
    void rejectsAnUnknownCleanupMode() {
        context.withPropertyValues("agent-center.runner.cleanup-mode=sometimes")
                .run(run -> assertThat(run).hasFailed().getFailure().rootCause().hasMessageContaining("sometimes"));
    }

    @Test
    void rejectsOutOfRangeCapacityABlankShellAndANonHttpUrl() {
        context.withPropertyValues("agent-center.runner.capacity=0")
                .run(run -> assertThat(run).hasFailed().getFailure().hasStackTraceContaining("capacity"));
        context.withPropertyValues("agent-center.runner.shell= ")
                .run(run -> assertThat(run).hasFailed().getFailure().hasStackTraceContaining("shell"));
        context.withPropertyValues("agent-center.runner.public-url=ftp://runner")
                .run(run -> assertThat(run).hasFailed().getFailure().hasStackTraceContaining("publicUrlHttp"));
    }

    /** RUNNER_MAX_RUN_SECONDS: whole seconds, 4 h by default, 1 s to 365 days, no "off". */
    @Test
    void theRunWallTimeLimitIsFourHoursByDefaultAndAPlainNumberIsSeconds() {
        context.run(run -> assertThat(run.getBean(ExecutionProperties.class).maxRunDuration())
                .isEqualTo(Duration.ofHours(4)));
        context.withPropertyValues("agent-center.execution.max-run-duration=90")
                .run(run -> assertThat(run.getBean(ExecutionProperties.class).maxRunDuration())
                        .isEqualTo(Duration.ofSeconds(90)));
        context.withPropertyValues("agent-center.execution.max-run-duration=31536000")
                .run(run -> assertThat(run.getBean(ExecutionProperties.class).maxRunDuration())
                        .isEqualTo(Duration.ofDays(365)));
    }

    @Test
    void aRunWallTimeLimitOfZeroNegativeOrPastAYearIsRefusedAtStart() {
        for (String value : new String[] {"0", "-5", "31536001"}) {
            context.withPropertyValues("agent-center.execution.max-run-duration=" + value)
                    .run(run -> assertThat(run)
                            .as(value)
                            .hasFailed()
                            .getFailure()
                            .hasStackTraceContaining("maxRunDuration"));
        }
        context.withPropertyValues("agent-center.execution.max-run-duration=soon")
                .run(run -> assertThat(run).hasFailed().getFailure().hasStackTraceContaining("max-run-duration"));
    }
}
