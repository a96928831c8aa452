package dev.agentcenter.model;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.util.Map;

/**
 * Changes a workspace; {@code null} fields stay as they are, an empty description clears it. {@code budget} replaces
 * the budget, {@code clearBudget: true} removes it.
 *
 * @param maxConcurrentRuns the most runs of the workspace active at once (1–10000); 0 removes the limit
 */
public record UpdateWorkspaceRequest(
        @Size(min = 1, max = 64) @Pattern(regexp = Patterns.SLUG, message = Patterns.SLUG_MESSAGE)
        String slug,

        @Size(min = 1, max = 200) @Pattern(regexp = Patterns.NOT_BLANK, message = "must not be blank")
        String name,

        @Size(max = 10_000) String description,
        Map<String, Object> metadata,
        @Valid WorkspaceBudget budget,
        Boolean clearBudget,
        @Min(0) @Max(10_000) Integer maxConcurrentRuns) {

    /** Changes without touching the budget or the limit. */
    public UpdateWorkspaceRequest(String slug, String name, String description, Map<String, Object> metadata) {
        this(slug, name, description, metadata, null, null, null);
    }
}
