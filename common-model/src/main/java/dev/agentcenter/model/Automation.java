package dev.agentcenter.model;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * Creates a task and queues its run on a cron schedule.
 *
 * @param cronExpression standard 5-field UNIX cron
 * @param timezone IANA zone the expression is read in
 * @param branchPrefix when set, each run gets branch {@code <prefix>/<timestamp>}
 * @param nextRunAt next fire time; {@code null} while disabled
 */
public record Automation(
        UUID id,
        UUID workspaceId,
        UUID projectId,
        UUID repoConnectionId,
        String name,
        boolean enabled,
        String cronExpression,
        String timezone,
        String taskTemplateTitle,
        String taskTemplatePrompt,
        PermissionMode permissionMode,
        ExecutionPolicy policy,
        ExecutionConfig config,
        String branchPrefix,
        Map<String, Object> metadata,
        Instant lastRunAt,
        Instant nextRunAt,
        Instant createdAt,
        Instant updatedAt) {}
