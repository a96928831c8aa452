package dev.agentcenter.model;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * A GitHub repository that runs may clone. The access token is write-only: only {@code hasToken} is shown.
 *
 * @param authType {@code pat} when a token was given, {@code none} otherwise
 * @param maxConcurrentRuns the most runs of tasks on this connection active at once, or {@code null} for no limit
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
        Integer maxConcurrentRuns,
        Instant createdAt,
        Instant updatedAt) {}
