package dev.agentcenter.runner.web;

import dev.agentcenter.runner.RunnerProperties;
import dev.agentcenter.support.health.HealthController;
import java.time.Clock;
import java.util.Map;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;

/** The runner's {@code GET /health} (open without a token): the shared one, plus the runner's name. */
@Configuration(proxyBeanMethods = false)
class HealthConfiguration {

    @Bean
    HealthController healthController(JdbcClient db, Clock clock, RunnerProperties properties) {
        return new HealthController(db, clock, "runner", () -> Map.of("name", properties.name()));
    }
}
