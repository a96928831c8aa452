package dev.agentcenter.model;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.util.Map;

/**
 * Creates a workspace.
 *
 * @param slug unique, lowercase letters, digits and single hyphens
 */
public record CreateWorkspaceRequest(
        @NotBlank @Size(max = 64) @Pattern(regexp = Patterns.SLUG, message = Patterns.SLUG_MESSAGE)
        String slug,

        @NotBlank @Size(max = 200) String name,
        @Size(max = 10_000) String description,
        Map<String, Object> metadata) {}
