package dev.agentcenter.model;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * A unit of work: a prompt and/or commands, optionally against a repository. Each execution is a {@link Run}.
 *
 * @param status follows the latest run; {@code pending} before the first
 * @param latestRun summary of the latest run, {@code null} before the first
 * @param archivedAt when the task was archived; archived tasks are hidden from lists by default
 */
public record Task(
        UUID id,
        UUID workspaceId,
        UUID projectId,
        UUID repoConnectionId,
        UUID automationId,
        String title,
        String prompt,
        TaskStatus status,
        PermissionMode permissionMode,
        ExecutionPolicy policy,
        ExecutionConfig config,
        String baseBranch,
        String branchName,
        Map<String, Object> metadata,
        Instant archivedAt,
        RunSummary latestRun,
        Instant createdAt,
        Instant updatedAt) {}
