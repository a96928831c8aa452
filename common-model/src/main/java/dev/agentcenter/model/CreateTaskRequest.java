package dev.agentcenter.model;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import java.util.Map;
import java.util.UUID;

/**
 * Creates a task. Creating a task does not start it: queue a run with {@code POST /api/runs}.
 *
 * @param projectId must belong to the workspace
 * @param repoConnectionId must belong to the workspace (and to the project, when the connection has one)
 * @param permissionMode {@code safe} when absent
 */
public record CreateTaskRequest(
        @NotNull UUID workspaceId,
        UUID projectId,
        UUID repoConnectionId,
        UUID automationId,
        @NotBlank @Size(max = 500) String title,
        @Size(max = 200_000) String prompt,
        PermissionMode permissionMode,
        @Valid ExecutionPolicy policy,
        @Valid ExecutionConfig config,
        @Size(min = 1, max = 255) String baseBranch,
        @Size(min = 1, max = 255) String branchName,
        Map<String, Object> metadata) {}
