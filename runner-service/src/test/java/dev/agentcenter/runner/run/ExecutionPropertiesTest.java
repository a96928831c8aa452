package dev.agentcenter.runner.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.context.ConfigurationPropertiesAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.validation.autoconfigure.ValidationAutoConfiguration;
import org.springframework.context.annotation.Configuration;

/** The run wall-time limit as {@code RUNNER_MAX_RUN_SECONDS} sets it: whole seconds, 1 s to 365 days, no "off". */
class ExecutionPropertiesTest {

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(ExecutionProperties.class)
    static class Config {}

    private final ApplicationContextRunner context = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(
                    ConfigurationPropertiesAutoConfiguration.class, ValidationAutoConfiguration.class))
            .withUserConfiguration(Config.class);

    @Test
    void theWallTimeLimitIsFourHoursByDefaultAndAPlainNumberIsSeconds() {
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
    void aWallTimeLimitOfZeroNegativeOrPastAYearIsRefusedAtStart() {
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

    @Test
    void aLimitIsDescribedAsPeopleWriteIt() {
        assertThat(RunTimeLimits.describe(Duration.ofHours(4))).isEqualTo("4h");
        assertThat(RunTimeLimits.describe(Duration.ofSeconds(5400))).isEqualTo("1h 30m");
        assertThat(RunTimeLimits.describe(Duration.ofSeconds(5))).isEqualTo("5s");
        assertThat(RunTimeLimits.describe(Duration.ofSeconds(90_061))).isEqualTo("1d 1h 1m 1s");
    }
}
