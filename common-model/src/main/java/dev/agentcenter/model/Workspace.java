package dev.agentcenter.model;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * A workspace: the top-level container of projects, repositories, tasks and automations.
 *
 * @param budget its agent budget, or {@code null} for none
 * @param maxConcurrentRuns the most runs of the workspace active at once, or {@code null} for no limit
 */
public record Workspace(
        UUID id,
        String slug,
        String name,
        String description,
        Map<String, Object> metadata,
        WorkspaceBudget budget,
        Integer maxConcurrentRuns,
        Instant createdAt,
        Instant updatedAt) {}
