package dev.agentcenter.api.webhook;

import java.time.Instant;
import java.util.UUID;

/** An outbound webhook as clients see it: never with its secret. */
public record WebhookEndpoint(UUID id, UUID workspaceId, String url, boolean enabled, Instant createdAt) {}
