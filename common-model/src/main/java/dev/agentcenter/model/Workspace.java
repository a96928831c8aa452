package dev.agentcenter.model;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/** A workspace: the top-level container of projects, repositories, tasks and automations. */
public record Workspace(
        UUID id,
        String slug,
        String name,
        String description,
        Map<String, Object> metadata,
        Instant createdAt,
        Instant updatedAt) {}
