package dev.agentcenter.model;

import java.time.Instant;
import java.util.UUID;

/**
 * A registered runner: it registers itself; the API can drain it and resume it.
 *
 * @param status {@code offline} when its heartbeat is stale; {@code draining} while drained by an operator (or
 *     stopping by itself): it takes no new runs, its runs in flight finish
 * @param drainRequestedAt when an operator drained it ({@code POST /api/runners/{id}/drain}), or {@code null}
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
        Instant drainRequestedAt,
        String isolation) {}
