package dev.agentcenter.model;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import java.util.Map;
import java.util.UUID;

/**
 * Creates an automation.
 *
 * @param cronExpression standard 5-field UNIX cron, e.g. {@code 0 9 * * 1-5}
 * @param timezone IANA zone, {@code UTC} when absent
 * @param enabled {@code true} when absent
 */
public record CreateAutomationRequest(
        @NotNull UUID workspaceId,
        UUID projectId,
        UUID repoConnectionId,
        @NotBlank @Size(max = 200) String name,
        Boolean enabled,
        @NotBlank @Size(max = 200) String cronExpression,
        @Size(min = 1, max = 64) String timezone,
        @NotBlank @Size(max = 500) String taskTemplateTitle,
        @Size(max = 200_000) String taskTemplatePrompt,
        PermissionMode permissionMode,
        @Valid ExecutionPolicy policy,
        @Valid ExecutionConfig config,
        @Size(min = 1, max = 200) String branchPrefix,
        Map<String, Object> metadata) {}
