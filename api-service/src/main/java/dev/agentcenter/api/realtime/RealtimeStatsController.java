package dev.agentcenter.api.realtime;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/realtime/stats}: read-only counters of the fan-out, so that its database load can be observed
 * from outside (the benchmark reports queries per second from them). {@code feedReads} + {@code backlogReads} +
 * {@code runLookups} is every database query the realtime code ever made in this process.
 */
@RestController
class RealtimeStatsController {

    private final RealtimeHub hub;
    private final NotificationListener listener;

    RealtimeStatsController(RealtimeHub hub, NotificationListener listener) {
        this.hub = hub;
        this.listener = listener;
    }

    @GetMapping("/api/realtime/stats")
    Map<String, Object> stats() {
        Map<String, Object> body = new LinkedHashMap<>(hub.stats());
        body.put("listenerConnected", listener.connected());
        body.put("listenerConnects", listener.connects());
        return body;
    }
}
