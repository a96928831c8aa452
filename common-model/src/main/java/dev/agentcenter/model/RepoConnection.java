package dev.agentcenter.model;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * A GitHub repository that runs may clone. The access token is write-only: only {@code hasToken} is shown.
 *
 * @param authType {@code pat} when a token was given, {@code none} otherwise
 */
public record RepoConnection(
        UUID id,
        UUID workspaceId,
        UUID projectId,
        String provider,
        String owner,
        String repo,
        String defaultBranch,
        String authType,
        boolean hasToken,
        Map<String, Object> metadata,
        Instant createdAt,
        Instant updatedAt) {}
