package dev.agentcenter.api.usage;

import dev.agentcenter.api.web.ApiException;
import dev.agentcenter.model.UsageReport;
import dev.agentcenter.support.usage.PriceTable;
import dev.agentcenter.support.usage.UsageLedger;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.stereotype.Component;

/** Workspace budgets as the API sees them: their state, and refusing new runs while one is spent. */
@Component
public class WorkspaceBudgets {

    private final DataSource dataSource;
    private final JdbcClient db;
    private final PriceTable prices;
    private final Clock clock;

    WorkspaceBudgets(DataSource dataSource, JdbcClient db, UsageProperties properties, Clock clock) {
        this.dataSource = dataSource;
        this.db = db;
        this.prices = properties.priceTable();
        this.clock = clock;
    }

    PriceTable prices() {
        return prices;
    }

    /**
     * Throws 422 {@code budget_exhausted} when the task's workspace has spent its budget for the current period.
     * Called where runs are queued; a task that does not exist is left to the caller's own 404.
     */
    public void requireAvailableForTask(UUID taskId) {
        Optional<UUID> workspace = db.sql("SELECT workspace_id FROM tasks WHERE id = :id")
                .param("id", taskId)
                .query(UUID.class)
                .optional();
        if (workspace.isEmpty()) {
            return;
        }
        state(workspace.get()).filter(budget -> budget.exhaustedBy() != null).ifPresent(budget -> {
            throw new ApiException(
                    HttpStatus.UNPROCESSABLE_CONTENT,
                    "budget_exhausted",
                    String.format(
                            Locale.ROOT,
                            "The workspace's %s budget is spent (%d tokens, $%.4f used since %s); new runs are"
                                    + " refused until %s or until the budget is raised.",
                            budget.period(),
                            budget.usedTokens(),
                            budget.usedCostUsd(),
                            budget.periodStart(),
                            budget.periodEnd()));
        });
    }

    /** The workspace's budget and what it used in the current period; empty when it has none. */
    Optional<UsageReport.Budget> state(UUID workspaceId) {
        // The JDBC connection of the surrounding transaction, when there is one (queueing a run holds one).
        var connection = DataSourceUtils.getConnection(dataSource);
        try {
            return UsageLedger.budget(connection, prices, workspaceId, Instant.now(clock))
                    .map(b -> new UsageReport.Budget(
                            b.period(),
                            b.maxTokens(),
                            b.maxCostUsd(),
                            b.periodStart(),
                            b.periodEnd(),
                            b.usedTokens(),
                            round(b.usedCostUsd()),
                            b.exhaustedBy()));
        } catch (SQLException e) {
            throw new IllegalStateException("Could not read the budget of workspace " + workspaceId, e);
        } finally {
            DataSourceUtils.releaseConnection(connection, dataSource);
        }
    }

    static double round(double usd) {
        return Math.round(usd * 1e6) / 1e6;
    }
}
