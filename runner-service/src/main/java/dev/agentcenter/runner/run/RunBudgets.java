package dev.agentcenter.runner.run;

import dev.agentcenter.model.AgentConfig;
import dev.agentcenter.support.usage.PriceTable;
import dev.agentcenter.support.usage.UsageLedger;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.Locale;
import java.util.UUID;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Budgets as the runner enforces them: a run's own ({@code config.agent.maxCostUsd}, {@code maxTokens}) and its
 * workspace's. The agent's {@code agent.usage} events are where the runner learns what a run used, so that is where a
 * run is stopped: the CLIs report usage when a turn ends, so an agent is stopped after the turn that reached the
 * budget, not in the middle of it.
 */
@Component
class RunBudgets {

    private static final Logger log = LoggerFactory.getLogger(RunBudgets.class);

    /**
     * The runner's copy of the price table the API uses ({@code USAGE_PRICES}, {@code USAGE_PRICES_FILE}), for costs
     * the CLI does not report.
     */
    @ConfigurationProperties("agent-center.usage")
    record Properties(String prices, Path pricesFile) {}

    private final DataSource dataSource;
    private final PriceTable prices;
    private final Clock clock;
    private final ObjectMapper json;

    RunBudgets(DataSource dataSource, Properties properties, Clock clock, ObjectMapper json) {
        this.dataSource = dataSource;
        this.prices = PriceTable.load(properties.prices(), properties.pricesFile());
        this.clock = clock;
        this.json = json;
    }

    /** The budgets of a run of this task with this agent, with what its workspace used so far this period. */
    Guard open(UUID taskId, AgentConfig agent) {
        UsageLedger.BudgetState workspace = null;
        try (Connection connection = dataSource.getConnection();
                var statement = connection.prepareStatement("SELECT workspace_id FROM tasks WHERE id = ?")) {
            statement.setObject(1, taskId);
            try (var rs = statement.executeQuery()) {
                if (rs.next()) {
                    workspace = UsageLedger.budget(connection, prices, rs.getObject(1, UUID.class), Instant.now(clock))
                            .orElse(null);
                }
            }
        } catch (SQLException e) {
            // A budget that cannot be read does not stop work; the run's own limits still apply.
            log.warn("Could not read the workspace budget of task {}: {}", taskId, e.getMessage());
        }
        return new Guard(agent, workspace);
    }

    /** What stopped a run: which budget, its limit, and what was used. */
    record Stop(String budget, String limit, long usedTokens, double usedCostUsd, String message) {}

    /** One run's budget state; fed the run's events from the agent's output threads. */
    final class Guard {
        private final AgentConfig agent;
        private final UsageLedger.BudgetState workspace;
        private long tokens;
        private double cost;
        private volatile Stop stop;

        Guard(AgentConfig agent, UsageLedger.BudgetState workspace) {
            this.agent = agent;
            this.workspace = workspace;
            if (workspace != null && workspace.exhaustedBy() != null) {
                stop = stop(workspace.exhaustedBy());
            }
        }

        /** Set once a budget is reached (already before the agent starts when the workspace's is spent). */
        Stop stop() {
            return stop;
        }

        /**
         * Counts an {@code agent.usage} event's figures; returns true the first time they reach a budget.
         *
         * @param payloadJson the event's payload: this run's figures since the previous usage event of the run
         */
        synchronized boolean usage(String payloadJson) {
            if (stop != null) {
                return false;
            }
            JsonNode payload = json.readTree(payloadJson);
            String provider = payload.path("provider").asString("");
            long cached = payload.path("cachedInputTokens").asLong(0);
            long input = payload.path("inputTokens").asLong(0)
                    + (provider.equals("claude")
                            ? cached + payload.path("cacheWriteInputTokens").asLong(0)
                            : 0);
            long output = payload.path("outputTokens").asLong(0);
            JsonNode reported = payload.get("costUsd");
            tokens += input + output;
            if (reported != null && reported.isNumber()) {
                cost += reported.asDouble();
            } else {
                cost += prices.priceOf(agent.model(), provider)
                        .map(p -> p.cost(input, cached, output))
                        .orElse(0.0);
            }
            String reached = null;
            if (agent.maxTokens() != null && tokens >= agent.maxTokens()) {
                reached = "run_tokens";
            } else if (agent.maxCostUsd() != null && cost >= agent.maxCostUsd()) {
                reached = "run_cost";
            } else if (workspace != null) {
                reached = workspace.exhaustedBy(tokens, cost);
            }
            if (reached == null) {
                return false;
            }
            stop = stop(reached);
            return true;
        }

        private Stop stop(String budget) {
            String limit = switch (budget) {
                case "run_tokens" -> agent.maxTokens() + " tokens (config.agent.maxTokens)";
                case "run_cost" -> usd(agent.maxCostUsd()) + " (config.agent.maxCostUsd)";
                case "workspace_tokens" ->
                    workspace.maxTokens() + " tokens per " + workspace.period() + " (workspace budget)";
                default -> usd(workspace.maxCostUsd()) + " per " + workspace.period() + " (workspace budget)";
            };
            String used = tokens + " tokens, " + usd(cost);
            String message = budget.startsWith("workspace") && tokens == 0
                    ? "The workspace's budget of " + limit + " is spent: the agent was not started."
                    : "The run reached its budget of " + limit + " after " + used
                            + "; the agent was stopped, its work so far is kept and nothing is delivered.";
            return new Stop(budget, limit, tokens, cost, message);
        }
    }

    private static String usd(double value) {
        return String.format(Locale.ROOT, "$%.4f", value);
    }
}
