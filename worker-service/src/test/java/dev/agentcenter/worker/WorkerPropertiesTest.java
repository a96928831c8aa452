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
            assertThat(properties.runnerTokenConfigured()).isFalse();
            assertThat(properties.runLease()).isEqualTo(Duration.ofSeconds(30));
            assertThat(properties.claimBatchSize()).isEqualTo(10);
            assertThat(properties.dispatchTimeout()).isEqualTo(Duration.ofMillis(5000));
            assertThat(properties.runnerStaleAfter()).isEqualTo(Duration.ofSeconds(30));
        });
    }

    @Test
    void leaseAndStaleLimitAreSecondsAndTheTokenIsNeverPrinted() {
        context.withPropertyValues(
                        "agent-center.worker.run-lease=45",
                        "agent-center.worker.runner-stale-after=20",
                        "agent-center.worker.runner-internal-token=very-secret")
                .run(run -> {
                    WorkerProperties properties = run.getBean(WorkerProperties.class);
                    assertThat(properties.runLease()).isEqualTo(Duration.ofSeconds(45));
                    assertThat(properties.runnerStaleAfter()).isEqualTo(Duration.ofSeconds(20));
                    assertThat(properties.runnerTokenConfigured()).isTrue();
                    assertThat(properties.toString())
                            .doesNotContain("very-secret")
                            .contains("<set>");
                });
    }

    @Test
    void theApplicationYamlReadsTheDocumentedVariables() throws Exception {
        String yaml = new String(
                getClass().getResourceAsStream("/application.yml").readAllBytes(),
                java.nio.charset.StandardCharsets.UTF_8);
        assertThat(yaml)
                .contains("${RUNNER_INTERNAL_TOKEN:}")
                .contains("${RUN_LEASE_SECONDS:30}")
                .contains("${WORKER_CLAIM_BATCH_SIZE:10}")
                .contains("${WORKER_DISPATCH_TIMEOUT_MS:5000}")
                .contains("${RUNNER_STALE_AFTER_SECONDS:30}");
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
        context.withPropertyValues("agent-center.worker.run-lease=1")
                .run(run -> assertThat(run).hasFailed().getFailure().hasStackTraceContaining("runLease"));
        context.withPropertyValues("agent-center.worker.claim-batch-size=0")
                .run(run -> assertThat(run).hasFailed().getFailure().hasStackTraceContaining("claimBatchSize"));
    }
}
