package dev.agentcenter.model;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.util.Map;
import java.util.UUID;

/**
 * Creates a project.
 *
 * @param slug unique within the workspace
 * @param defaultBranch {@code main} when absent
 */
public record CreateProjectRequest(
        @NotNull UUID workspaceId,

        @NotBlank @Size(max = 64) @Pattern(regexp = Patterns.SLUG, message = Patterns.SLUG_MESSAGE)
        String slug,

        @NotBlank @Size(max = 200) String name,
        @Size(max = 10_000) String description,

        @Size(min = 1, max = 255) @Pattern(regexp = Patterns.BRANCH, message = Patterns.BRANCH_MESSAGE)
        String defaultBranch,

        @Size(max = 1024) String rootDirectory,
        Map<String, Object> metadata) {}
