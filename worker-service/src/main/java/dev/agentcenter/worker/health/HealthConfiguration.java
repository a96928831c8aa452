package dev.agentcenter.worker.health;

import dev.agentcenter.support.health.HealthController;
import dev.agentcenter.worker.WorkerProperties;
import java.time.Clock;
import java.util.Map;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;

/** The worker's {@code GET /health}: the shared one, plus whether dispatch is on. */
@Configuration(proxyBeanMethods = false)
class HealthConfiguration {

    @Bean
    HealthController healthController(JdbcClient db, Clock clock, WorkerProperties properties) {
        // Without the runner token the worker claims nothing; say so where an operator looks first.
        return new HealthController(
                db,
                clock,
                "worker",
                () -> Map.of(
                        "dispatch",
                        properties.runnerTokenConfigured() ? "enabled" : "disabled: RUNNER_INTERNAL_TOKEN is not set"));
    }
}
