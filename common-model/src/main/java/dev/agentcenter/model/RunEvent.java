package dev.agentcenter.model;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * Something that happened in a run. {@code sequence} is 1, 2, 3, … per run with no gaps, and is the order of
 * delivery.
 *
 * @param eventType e.g. {@code run.created}, {@code run.status_changed}, {@code run.log}, {@code run.completed}
 * @param payload type-specific details; for {@code run.log}: {@code stream} and {@code commandIndex}
 */
public record RunEvent(
        UUID runId,
        long sequence,
        String eventType,
        EventLevel level,
        String message,
        Map<String, Object> payload,
        Instant createdAt) {}
