package dev.agentcenter.api.webhook;

import java.time.Instant;
import java.util.UUID;

/**
 * One message the worker sends (or sent) when a run ended: to a workspace webhook, or to GitHub.
 *
 * @param target {@code webhook}, {@code github_comment} or {@code github_status}
 * @param status {@code pending} (retried with backoff), {@code delivered}, {@code failed} (gave up) or
 *     {@code skipped} (nothing to send it to)
 */
public record WebhookDelivery(
        UUID id,
        UUID runId,
        UUID endpointId,
        String target,
        String event,
        String status,
        int attempts,
        Integer lastStatusCode,
        String lastError,
        Instant createdAt,
        Instant nextAttemptAt,
        Instant finishedAt) {}
