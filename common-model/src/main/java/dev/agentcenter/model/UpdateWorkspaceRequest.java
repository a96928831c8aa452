package dev.agentcenter.model;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.util.Map;

/**
 * Changes a workspace; {@code null} fields stay as they are, an empty description clears it. {@code budget} replaces
 * the budget, {@code clearBudget: true} removes it.
 */
public record UpdateWorkspaceRequest(
        @Size(min = 1, max = 64) @Pattern(regexp = Patterns.SLUG, message = Patterns.SLUG_MESSAGE)
        String slug,

        @Size(min = 1, max = 200) @Pattern(regexp = Patterns.NOT_BLANK, message = "must not be blank")
        String name,

        @Size(max = 10_000) String description,
        Map<String, Object> metadata,
        @Valid WorkspaceBudget budget,
        Boolean clearBudget) {

    /** Changes without touching the budget. */
    public UpdateWorkspaceRequest(String slug, String name, String description, Map<String, Object> metadata) {
        this(slug, name, description, metadata, null, null);
    }
}
