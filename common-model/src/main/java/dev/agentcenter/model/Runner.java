package dev.agentcenter.model;

import java.time.Instant;
import java.util.UUID;

/** A registered runner (read-only through the API). */
public record Runner(
        UUID id,
        String name,
        String baseUrl,
        RunnerStatus status,
        int capacity,
        int activeRuns,
        Instant lastHeartbeatAt,
        String version) {}
