package dev.agentcenter.api.web;

import dev.agentcenter.support.health.HealthController;
import java.time.Clock;
import java.util.Map;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;

/** The API's {@code GET /health}, open even when auth is on: the shared one. */
@Configuration(proxyBeanMethods = false)
class HealthConfiguration {

    @Bean
    HealthController healthController(JdbcClient db, Clock clock) {
        return new HealthController(db, clock, "api", Map::of);
    }
}
