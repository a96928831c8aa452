package dev.agentcenter.model;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * {@code GET /api/usage}: what coding agents used in {@code [from, to)}, in total and grouped.
 *
 * @param workspaceId the workspace asked for, or {@code null} for all
 * @param groupBy {@code day} (UTC), {@code task}, {@code provider} or {@code model}
 * @param totals the sum of every group
 * @param groups the groups, in key order
 * @param budget the workspace's budget and its use in the current period; {@code null} without a budget or workspace
 */
public record UsageReport(
        UUID workspaceId, Instant from, Instant to, String groupBy, Figures totals, List<Group> groups, Budget budget) {

    /**
     * Usage figures.
     *
     * @param runs runs that reported usage
     * @param inputTokens input tokens, cached ones included
     * @param cachedInputTokens input tokens read from the provider's prompt cache
     * @param outputTokens output tokens, reasoning included
     * @param reasoningTokens the reasoning part of the output tokens
     * @param totalTokens input plus output tokens: what token budgets count
     * @param costUsd the CLI's reported cost, else priced from the price table (USAGE_PRICES)
     * @param unpricedTokens tokens whose cost is unknown (not reported, no price for the model): not in {@code costUsd}
     */
    public record Figures(
            long runs,
            long inputTokens,
            long cachedInputTokens,
            long outputTokens,
            long reasoningTokens,
            long totalTokens,
            double costUsd,
            long unpricedTokens) {}

    /**
     * One group.
     *
     * @param key a UTC day ({@code 2026-12-03}), a task id, a provider or a model
     * @param label the task's title for tasks, else the key
     */
    public record Group(String key, String label, Figures figures) {}

    /**
     * A workspace budget's state.
     *
     * @param exhaustedBy {@code workspace_tokens} or {@code workspace_cost} while new runs are refused, else {@code null}
     */
    public record Budget(
            String period,
            Long maxTokens,
            Double maxCostUsd,
            Instant periodStart,
            Instant periodEnd,
            long usedTokens,
            double usedCostUsd,
            String exhaustedBy) {}
}
