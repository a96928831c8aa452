package dev.agentcenter.api.webhook;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import java.util.UUID;

/**
 * A new outbound webhook of a workspace.
 *
 * @param url where the worker POSTs the signed JSON, {@code http} or {@code https}
 * @param secret the HMAC-SHA256 key of {@code X-Agent-Center-Signature-256}; write-only, stored sealed
 */
public record WebhookEndpointRequest(
        @NotNull UUID workspaceId,
        @NotBlank @Size(max = 2000) String url,
        @NotBlank @Size(min = 8, max = 256) String secret) {}
