package dev.agentcenter.model;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/** A project inside a workspace. */
public record Project(
        UUID id,
        UUID workspaceId,
        String slug,
        String name,
        String description,
        String defaultBranch,
        String rootDirectory,
        Map<String, Object> metadata,
        Instant createdAt,
        Instant updatedAt) {}
