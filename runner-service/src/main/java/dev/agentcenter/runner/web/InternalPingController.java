package dev.agentcenter.runner.web;

import java.util.Map;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /internal/ping}: lets a worker (and the tests) check that its token is accepted. */
@RestController
class InternalPingController {

    @GetMapping("/internal/ping")
    Map<String, Object> ping() {
        return Map.of("ok", true);
    }
}
