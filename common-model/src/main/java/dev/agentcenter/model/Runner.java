package dev.agentcenter.model;

import java.time.Instant;
import java.util.UUID;

/**
 * A registered runner (read-only through the API).
 *
 * @param isolation how it isolates runs: {@code bubblewrap}, or {@code none} (commands and agents run on its host as
 *     its user); {@code null} when the runner did not report it
 */
public record Runner(
        UUID id,
        String name,
        String baseUrl,
        RunnerStatus status,
        int capacity,
        int activeRuns,
        Instant lastHeartbeatAt,
        String version,
        String isolation) {}
