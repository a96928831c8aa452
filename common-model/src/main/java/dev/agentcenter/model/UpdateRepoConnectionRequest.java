package dev.agentcenter.model;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

/**
 * Changes a repository connection; {@code null} fields stay as they are.
 *
 * @param maxConcurrentRuns the most runs of tasks on this connection active at once (1–10000); 0 removes the limit
 */
public record UpdateRepoConnectionRequest(
        @Min(0) @Max(10_000) Integer maxConcurrentRuns) {}
