package dev.agentcenter.model;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.util.Map;
import java.util.UUID;

/**
 * Connects a GitHub repository.
 *
 * @param provider only {@code github}, the default
 * @param token a GitHub token with read (and for pull requests, write) access; stored encrypted, never returned
 */
public record CreateRepoConnectionRequest(
        @NotNull UUID workspaceId,
        UUID projectId,

        @Pattern(regexp = "^github$", message = "must be github")
        String provider,

        @NotBlank @Size(max = 100) @Pattern(regexp = Patterns.GITHUB_NAME, message = "is not a GitHub owner name")
        String owner,

        @NotBlank @Size(max = 100) @Pattern(regexp = Patterns.GITHUB_NAME, message = "is not a GitHub repository name")
        String repo,

        @Size(min = 1, max = 255) @Pattern(regexp = Patterns.BRANCH, message = Patterns.BRANCH_MESSAGE)
        String defaultBranch,

        @Size(min = 1, max = 4096) String token,
        Map<String, Object> metadata) {}
