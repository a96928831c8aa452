package dev.agentcenter.model;

import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;

/**
 * A workspace's budget: at most {@code maxTokens} tokens and/or {@code maxCostUsd} US dollars of agent use per UTC
 * day or month. While it is spent, new runs are refused (422 {@code budget_exhausted}) and running agents are stopped
 * ({@code budget_exceeded}).
 *
 * @param period {@code day} or {@code month}
 * @param maxTokens input (cached included) plus output tokens per period; {@code null} for no token limit
 * @param maxCostUsd US dollars per period; {@code null} for no cost limit (at least one of the two is given)
 */
public record WorkspaceBudget(
        @NotNull @Pattern(regexp = "day|month", message = "must be day or month")
        String period,

        @Min(1) @Max(1_000_000_000_000L) Long maxTokens,

        @DecimalMin(value = "0", inclusive = false) @DecimalMax("1000000000")
        Double maxCostUsd) {}
