package dev.agentcenter.model;

import java.time.Instant;
import java.util.UUID;

/**
 * A registered runner: it registers itself; the API can drain it and resume it.
 *
 * @param status {@code offline} when its heartbeat is stale; {@code draining} while drained by an operator (or
 *     stopping by itself): it takes no new runs, its runs in flight finish
 * @param drainRequestedAt when an operator drained it ({@code POST /api/runners/{id}/drain}), or {@code null}
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
        Instant drainRequestedAt) {}
