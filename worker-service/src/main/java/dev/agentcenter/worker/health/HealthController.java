package dev.agentcenter.worker.health;

import dev.agentcenter.worker.WorkerProperties;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /health}: 200 when the database answers, 503 otherwise (the local stack waits for 200). */
@RestController
class HealthController {

    private final JdbcClient db;
    private final Clock clock;
    private final WorkerProperties properties;

    HealthController(JdbcClient db, Clock clock, WorkerProperties properties) {
        this.db = db;
        this.clock = clock;
        this.properties = properties;
    }

    @GetMapping("/health")
    ResponseEntity<Map<String, Object>> health() {
        boolean databaseUp;
        try {
            databaseUp = db.sql("SELECT 1").query(Integer.class).single() == 1;
        } catch (RuntimeException e) {
            databaseUp = false;
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("service", "worker");
        body.put("status", databaseUp ? "ok" : "degraded");
        body.put("database", databaseUp ? "up" : "down");
        // Without the runner token the worker claims nothing; say so where an operator looks first.
        body.put(
                "dispatch",
                properties.runnerTokenConfigured() ? "enabled" : "disabled: RUNNER_INTERNAL_TOKEN is not set");
        body.put("timestamp", Instant.now(clock));
        return ResponseEntity.status(databaseUp ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE)
                .body(body);
    }
}
