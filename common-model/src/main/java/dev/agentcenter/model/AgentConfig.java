package dev.agentcenter.model;

import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Size;

/**
 * The coding agent of a run.
 *
 * @param provider {@code none} (default), {@code codex} or {@code claude}
 * @param model model name passed to the agent CLI
 * @param prompt prompt for the agent; the task's or run's prompt when absent
 * @param maxCostUsd the run's budget in US dollars: the run is stopped ({@code budget_exceeded}) once its agent has
 *     cost this much; absent for no limit
 * @param maxTokens the run's budget in tokens (input, cached included, plus output); absent for no limit
 */
public record AgentConfig(
        AgentProvider provider,
        @Size(max = 200) String model,
        String prompt,

        @DecimalMin(value = "0", inclusive = false) @DecimalMax("1000000")
        Double maxCostUsd,

        @Min(1) @Max(1_000_000_000_000L) Long maxTokens) {

    /** An agent without run budgets. */
    public AgentConfig(AgentProvider provider, String model, String prompt) {
        this(provider, model, prompt, null, null);
    }
}
