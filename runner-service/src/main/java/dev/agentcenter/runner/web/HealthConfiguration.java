package dev.agentcenter.runner.web;

import dev.agentcenter.runner.RunnerProperties;
import dev.agentcenter.runner.sandbox.Sandbox;
import dev.agentcenter.support.health.HealthController;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The runner's {@code GET /health} (open without a token): the shared one, plus the runner's name and how it
 * isolates runs.
 */
@Configuration(proxyBeanMethods = false)
class HealthConfiguration {

    @Bean
    HealthController healthController(JdbcClient db, Clock clock, RunnerProperties properties, Sandbox sandbox) {
        return new HealthController(db, clock, "runner", () -> {
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("name", properties.name());
            // "none" is a warning, not a failure: the runner works, but its runs see the host (README "Isolation").
            details.put("isolation", sandbox.isolation().wire());
            if (sandbox.isolation() == Sandbox.Isolation.NONE) {
                details.put(
                        "warning", "Runs are not isolated: commands and agents run on this host as the runner's user.");
            }
            return details;
        });
    }
}
