package dev.agentcenter.model;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.util.Map;
import java.util.UUID;

/**
 * Changes an automation; {@code null} fields stay as they are. An empty {@code branchPrefix} clears it. Changing
 * the schedule recomputes {@code nextRunAt}.
 */
public record UpdateAutomationRequest(
        UUID projectId,
        UUID repoConnectionId,

        @Size(min = 1, max = 200) @Pattern(regexp = Patterns.NOT_BLANK, message = "must not be blank")
        String name,

        Boolean enabled,
        @Size(min = 1, max = 200) String cronExpression,
        @Size(min = 1, max = 64) String timezone,

        @Size(min = 1, max = 500) @Pattern(regexp = Patterns.NOT_BLANK, message = "must not be blank")
        String taskTemplateTitle,

        @Size(max = 200_000) String taskTemplatePrompt,
        PermissionMode permissionMode,
        @Valid ExecutionPolicy policy,
        @Valid ExecutionConfig config,
        @Size(max = 200) String branchPrefix,
        Map<String, Object> metadata) {}
