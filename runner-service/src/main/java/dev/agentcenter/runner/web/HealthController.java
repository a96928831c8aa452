package dev.agentcenter.runner.web;

import dev.agentcenter.runner.RunnerProperties;
import dev.agentcenter.runner.sandbox.Sandbox;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /health}: open without a token; 503 when the database does not answer. */
@RestController
class HealthController {

    private final JdbcClient db;
    private final Clock clock;
    private final RunnerProperties properties;
    private final Sandbox sandbox;

    HealthController(JdbcClient db, Clock clock, RunnerProperties properties, Sandbox sandbox) {
        this.sandbox = sandbox;
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
        body.put("service", "runner");
        body.put("status", databaseUp ? "ok" : "degraded");
        body.put("database", databaseUp ? "up" : "down");
        body.put("name", properties.name());
        // "none" is a warning, not a failure: the runner works, but its runs see the host (see README "Isolation").
        body.put("isolation", sandbox.isolation().wire());
        if (sandbox.isolation() == Sandbox.Isolation.NONE) {
            body.put("warning", "Runs are not isolated: commands and agents run on this host as the runner's user.");
        }
        body.put("timestamp", Instant.now(clock));
        return ResponseEntity.status(databaseUp ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE)
                .body(body);
    }
}
