package dev.agentcenter.model;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.util.Map;

/**
 * Changes a task; {@code null} fields stay as they are. Changes apply to the next run, not to one already queued.
 *
 * @param baseBranch an empty string clears it
 * @param branchName an empty string clears it
 * @param archived {@code true} archives the task, {@code false} restores it
 */
public record UpdateTaskRequest(
        @Size(min = 1, max = 500) @Pattern(regexp = Patterns.NOT_BLANK, message = "must not be blank")
        String title,

        @Size(max = 200_000) String prompt,
        PermissionMode permissionMode,
        @Valid ExecutionPolicy policy,
        @Valid ExecutionConfig config,
        @Size(max = 255) String baseBranch,
        @Size(max = 255) String branchName,
        Map<String, Object> metadata,
        Boolean archived) {}
