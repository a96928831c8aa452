package dev.agentcenter.support.health;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /health} of every service: 200 when the database answers, 503 otherwise (the local stack and load
 * balancers wait for 200). Open without a token: it tells nothing secret. Each service registers one as a bean,
 * with its name and what else an operator should see first (the runner's name, whether the worker dispatches).
 */
@RestController
public class HealthController {

    private final JdbcClient db;
    private final Clock clock;
    private final String service;
    private final Supplier<Map<String, Object>> details;

    /**
     * @param service the service's name in the body ({@code api}, {@code worker}, {@code runner})
     * @param details fields added after the database's state, evaluated on every request
     */
    public HealthController(JdbcClient db, Clock clock, String service, Supplier<Map<String, Object>> details) {
        this.db = db;
        this.clock = clock;
        this.service = service;
        this.details = details;
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
        body.put("service", service);
        body.put("status", databaseUp ? "ok" : "degraded");
        body.put("database", databaseUp ? "up" : "down");
        body.putAll(details.get());
        body.put("timestamp", Instant.now(clock));
        return ResponseEntity.status(databaseUp ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE)
                .body(body);
    }
}
