package dev.agentcenter.runner.agent;

import java.util.Locale;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Token and cost figures of an agent: one run's, a session's so far, or a task's so far.
 *
 * <p>The CLIs count differently: Codex reports a thread's figures summed over every run that resumed it, Claude Code
 * a run's tokens but the session's cost. The runner turns both into one run's figures (the difference to what the
 * session had reached after its previous run, see {@link History}) and keeps the running totals beside them, so
 * {@code agent.usage} says what this run used, what the session used, and what the task used.
 *
 * @param inputTokens input tokens as the CLI counts them (Codex: including cached ones; Claude Code: excluding cache
 *     reads and writes)
 * @param cachedInputTokens input tokens read from the provider's prompt cache
 * @param cacheWriteInputTokens input tokens written to the prompt cache (Claude: {@code cache_creation_input_tokens})
 * @param outputTokens output tokens, reasoning included
 * @param reasoningOutputTokens the reasoning (thinking) part of the output tokens
 * @param costUsd what the CLI says it cost, in US dollars; {@code null} when it does not say (Codex)
 */
record AgentUsage(
        long inputTokens,
        long cachedInputTokens,
        long cacheWriteInputTokens,
        long outputTokens,
        long reasoningOutputTokens,
        Double costUsd) {

    static final AgentUsage ZERO = new AgentUsage(0, 0, 0, 0, 0, null);

    /**
     * What the task's earlier runs used, and what the resumed session had reached, read from their {@code
     * agent.usage} events.
     *
     * @param sessionBefore the session's totals after the run that last reported on it; {@code null} for a new session
     *     or one never reported on
     * @param taskBefore the sum of the task's earlier runs' own figures
     */
    record History(AgentUsage sessionBefore, AgentUsage taskBefore) {
        static final History NONE = new History(null, ZERO);
    }

    AgentUsage plus(AgentUsage other) {
        Double cost;
        if (costUsd == null) {
            cost = other.costUsd;
        } else if (other.costUsd == null) {
            cost = costUsd;
        } else {
            cost = costUsd + other.costUsd;
        }
        return new AgentUsage(
                inputTokens + other.inputTokens,
                cachedInputTokens + other.cachedInputTokens,
                cacheWriteInputTokens + other.cacheWriteInputTokens,
                outputTokens + other.outputTokens,
                reasoningOutputTokens + other.reasoningOutputTokens,
                cost);
    }

    /**
     * These (cumulative) figures minus an earlier state of them; when any would be negative the earlier state
     * belongs to something else (another thread, a reset), and these figures are returned unchanged.
     */
    AgentUsage since(AgentUsage before) {
        if (before == null
                || inputTokens < before.inputTokens
                || cachedInputTokens < before.cachedInputTokens
                || cacheWriteInputTokens < before.cacheWriteInputTokens
                || outputTokens < before.outputTokens
                || reasoningOutputTokens < before.reasoningOutputTokens) {
            return this;
        }
        Double cost = costUsd;
        if (costUsd != null && before.costUsd != null && costUsd >= before.costUsd) {
            cost = costUsd - before.costUsd;
        }
        return new AgentUsage(
                inputTokens - before.inputTokens,
                cachedInputTokens - before.cachedInputTokens,
                cacheWriteInputTokens - before.cacheWriteInputTokens,
                outputTokens - before.outputTokens,
                reasoningOutputTokens - before.reasoningOutputTokens,
                cost);
    }

    /** The figures as payload fields ({@code inputTokens}, …, {@code costUsd} when known). */
    ObjectNode fields(ObjectNode into) {
        into.put("inputTokens", inputTokens)
                .put("cachedInputTokens", cachedInputTokens)
                .put("cacheWriteInputTokens", cacheWriteInputTokens)
                .put("outputTokens", outputTokens)
                .put("reasoningOutputTokens", reasoningOutputTokens);
        if (costUsd != null) {
            into.put("costUsd", costUsd);
        }
        return into;
    }

    /** Figures from payload fields written by {@link #fields}; absent fields count 0. */
    static AgentUsage of(JsonNode fields) {
        if (fields == null || !fields.isObject()) {
            return ZERO;
        }
        JsonNode cost = fields.get("costUsd");
        return new AgentUsage(
                fields.path("inputTokens").asLong(0),
                fields.path("cachedInputTokens").asLong(0),
                fields.path("cacheWriteInputTokens").asLong(0),
                fields.path("outputTokens").asLong(0),
                fields.path("reasoningOutputTokens").asLong(0),
                cost != null && cost.isNumber() ? cost.asDouble() : null);
    }

    /** E.g. {@code 3000 in (600 cached), 150 out (30 reasoning), $0.0123}. */
    String describe() {
        StringBuilder text = new StringBuilder()
                .append(inputTokens)
                .append(" in (")
                .append(cachedInputTokens)
                .append(" cached");
        if (cacheWriteInputTokens > 0) {
            text.append(", ").append(cacheWriteInputTokens).append(" cache writes");
        }
        text.append("), ").append(outputTokens).append(" out");
        if (reasoningOutputTokens > 0) {
            text.append(" (").append(reasoningOutputTokens).append(" reasoning)");
        }
        if (costUsd != null) {
            text.append(String.format(Locale.ROOT, ", $%.4f", costUsd));
        }
        return text.toString();
    }

    /**
     * The {@code agent.usage} event: this run's figures at the top level (as before), the session's and the task's
     * totals under {@code session} and {@code task}.
     */
    static AgentEvent event(String provider, String sessionId, AgentUsage run, AgentUsage session, History history) {
        AgentUsage task = history.taskBefore().plus(run);
        ObjectNode payload = run.fields(AgentEvent.payload(provider, "sessionId", sessionId));
        payload.set("session", session.fields(AgentEvent.NODES.objectNode()));
        payload.set("task", task.fields(AgentEvent.NODES.objectNode()));
        return AgentEvent.info(
                "agent.usage", "Tokens this run: " + run.describe() + "; task so far: " + task.describe(), payload);
    }
}
