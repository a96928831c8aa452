package dev.agentcenter.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.context.ConfigurationPropertiesAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.validation.autoconfigure.ValidationAutoConfiguration;
import org.springframework.context.annotation.Configuration;

class WorkerPropertiesTest {

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(WorkerProperties.class)
    static class Config {}

    private final ApplicationContextRunner context = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(
                    ConfigurationPropertiesAutoConfiguration.class, ValidationAutoConfiguration.class))
            .withUserConfiguration(Config.class);

    @Test
    void defaultsMatchTheDocumentedOnes() {
        context.run(run -> {
            WorkerProperties properties = run.getBean(WorkerProperties.class);
            assertThat(properties.pollInterval()).isEqualTo(Duration.ofMillis(1000));
            assertThat(properties.leaseSweepInterval()).isEqualTo(Duration.ofMillis(5000));
            assertThat(properties.automationInterval()).isEqualTo(Duration.ofMillis(5000));
            assertThat(properties.dispatchMaxAttempts()).isEqualTo(5);
        });
    }

    @Test
    void plainNumbersAreMilliseconds() {
        context.withPropertyValues("agent-center.worker.poll-interval=250")
                .run(run -> assertThat(run.getBean(WorkerProperties.class).pollInterval())
                        .isEqualTo(Duration.ofMillis(250)));
    }

    @Test
    void rejectsValuesThatWouldSpinOrNeverRun() {
        context.withPropertyValues("agent-center.worker.poll-interval=0")
                .run(run -> assertThat(run).hasFailed().getFailure().hasStackTraceContaining("pollInterval"));
        context.withPropertyValues("agent-center.worker.dispatch-max-attempts=0")
                .run(run -> assertThat(run).hasFailed().getFailure().hasStackTraceContaining("dispatchMaxAttempts"));
        context.withPropertyValues("agent-center.worker.lease-sweep-interval=-5")
                .run(run -> assertThat(run).hasFailed().getFailure().hasStackTraceContaining("leaseSweepInterval"));
    }
}
