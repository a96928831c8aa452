package dev.agentcenter.model;

import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.util.Map;

/** Changes a project; {@code null} fields stay as they are, an empty description or root directory clears it. */
public record UpdateProjectRequest(
        @Size(min = 1, max = 64) @Pattern(regexp = Patterns.SLUG, message = Patterns.SLUG_MESSAGE)
        String slug,

        @Size(min = 1, max = 200) @Pattern(regexp = Patterns.NOT_BLANK, message = "must not be blank")
        String name,

        @Size(max = 10_000) String description,

        @Size(min = 1, max = 255) @Pattern(regexp = Patterns.BRANCH, message = Patterns.BRANCH_MESSAGE)
        String defaultBranch,

        @Size(max = 1024) String rootDirectory,
        Map<String, Object> metadata) {}
