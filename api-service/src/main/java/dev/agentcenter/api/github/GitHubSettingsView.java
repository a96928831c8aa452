package dev.agentcenter.api.github;

import java.time.Instant;
import java.util.UUID;

/**
 * A connection's GitHub settings as clients see them: the secret only as {@code hasWebhookSecret}.
 *
 * @param webhookPath where GitHub must send the events (under the API's public address)
 */
public record GitHubSettingsView(
        UUID repoConnectionId,
        boolean hasWebhookSecret,
        String webhookPath,
        GitHubSettings settings,
        Instant updatedAt) {}
