package dev.agentcenter.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * Something that happened in a run. {@code sequence} is 1, 2, 3, … per run with no gaps, and is the order of
 * delivery.
 *
 * @param eventType e.g. {@code run.created}, {@code run.status_changed}, {@code run.log}, {@code run.completed}
 * @param payload type-specific details; for {@code run.log}: {@code stream} and {@code commandIndex}, and for a line
 *     longer than the runner's limit (64 KiB of UTF-8), which is stored cut, {@code truncated: true} and {@code
 *     originalLength} (the whole line's length in bytes)
 */
public record RunEvent(
        UUID runId,
        long sequence,
        String eventType,
        EventLevel level,
        String message,
        Map<String, Object> payload,
        Instant createdAt) {

    /** True when {@link #message()} is an output line stored cut ({@code payload.truncated}). */
    @JsonIgnore
    public boolean truncated() {
        return payload != null && Boolean.TRUE.equals(payload.get("truncated"));
    }

    /** The whole line's length in bytes when it was stored cut, else {@code null}. */
    @JsonIgnore
    public Long originalLength() {
        Object value = payload == null ? null : payload.get("originalLength");
        return value instanceof Number number ? number.longValue() : null;
    }
}
