package dev.agentcenter.api.github;

import dev.agentcenter.model.ExecutionConfig;
import dev.agentcenter.model.PermissionMode;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

/**
 * Changes a connection's GitHub settings ({@code PUT /api/repo-connections/{id}/github}); a field left out keeps its
 * value. See {@link GitHubSettings} for the meaning of each.
 *
 * @param webhookSecret the secret entered in GitHub's webhook form; write-only: stored sealed, never returned
 */
public record GitHubSettingsRequest(
        @Size(min = 8, max = 256) String webhookSecret,
        @Size(min = 1, max = 50) String label,
        Boolean labelTrigger,
        Boolean commentTrigger,
        Boolean reviewTrigger,
        Boolean checkTrigger,

        @Size(min = 2, max = 50) @Pattern(regexp = "/[A-Za-z0-9_-]+")
        String command,

        @Min(0) @Max(100) Integer maxFollowUps,
        PermissionMode permissionMode,
        @Valid ExecutionConfig taskConfig) {}
