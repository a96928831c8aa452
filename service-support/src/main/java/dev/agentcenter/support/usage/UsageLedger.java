package dev.agentcenter.support.usage;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Sums what agents used, read from the {@code agent.usage} events runners write (one run's figures each), and reads
 * workspace budgets against those sums. Plain JDBC so that the API (usage reports, refusing runs) and the runner
 * (stopping a run) count the same way.
 *
 * <p>Figures are normalized here: {@code inputTokens} is every input token, cached ones included (Codex counts them
 * that way; Claude Code reports cache reads and writes apart, so they are added); {@code totalTokens} is input plus
 * output. A cost is the CLI's when it reported one, else the price table's for the run's model, else unknown (its
 * tokens are counted in {@code unpricedTokens}).
 */
public final class UsageLedger {

    /** How a report groups its figures. */
    public enum GroupBy {
        DAY("to_char(u.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')"),
        TASK("u.task_id::text"),
        PROVIDER("u.provider"),
        MODEL("u.model");

        private final String key;

        GroupBy(String key) {
            this.key = key;
        }
    }

    /**
     * Figures of some runs.
     *
     * @param costUsd reported plus priced cost, in US dollars
     * @param unpricedTokens tokens whose cost is unknown (no reported cost, no price for the model)
     */
    public record Figures(
            long runs,
            long inputTokens,
            long cachedInputTokens,
            long outputTokens,
            long reasoningTokens,
            double costUsd,
            long unpricedTokens) {

        public static final Figures ZERO = new Figures(0, 0, 0, 0, 0, 0, 0);

        public long totalTokens() {
            return inputTokens + outputTokens;
        }

        Figures plus(Figures other) {
            return new Figures(
                    runs + other.runs,
                    inputTokens + other.inputTokens,
                    cachedInputTokens + other.cachedInputTokens,
                    outputTokens + other.outputTokens,
                    reasoningTokens + other.reasoningTokens,
                    costUsd + other.costUsd,
                    unpricedTokens + other.unpricedTokens);
        }
    }

    /** One group of a report: its key (a UTC day, a task id, a provider, a model), a label, and its figures. */
    public record Group(String key, String label, Figures figures) {}

    private static final String USAGE = """
            SELECT r.task_id, t.title, e.run_id, e.created_at,
                   COALESCE(e.payload ->> 'provider', 'unknown') AS provider,
                   COALESCE(NULLIF(r.config -> 'agent' ->> 'model', ''), 'default') AS model,
                   %1$s + CASE WHEN e.payload ->> 'provider' = 'claude' THEN %2$s + %3$s ELSE 0 END AS input,
                   %2$s AS cached, %4$s AS output, %5$s AS reasoning,
                   CASE WHEN jsonb_typeof(e.payload -> 'costUsd') = 'number'
                        THEN (e.payload ->> 'costUsd')::numeric END AS cost
              FROM run_events e JOIN runs r ON r.id = e.run_id JOIN tasks t ON t.id = r.task_id
             WHERE e.event_type = 'agent.usage' AND e.created_at >= ? AND e.created_at < ?
               AND (CAST(? AS uuid) IS NULL OR t.workspace_id = CAST(? AS uuid))""".formatted(
                    number("inputTokens"),
                    number("cachedInputTokens"),
                    number("cacheWriteInputTokens"),
                    number("outputTokens"),
                    number("reasoningOutputTokens"));

    private UsageLedger() {}

    /** A payload field as a number; 0 when absent or not a number (payloads are JSON written by runners). */
    private static String number(String field) {
        return "(CASE WHEN jsonb_typeof(e.payload -> '" + field + "') = 'number' THEN (e.payload ->> '" + field
                + "')::numeric ELSE 0 END)";
    }

    /**
     * The figures of usage recorded in {@code [from, to)}, of one workspace or (when {@code workspaceId} is null) all,
     * grouped, in key order.
     */
    public static List<Group> groups(
            Connection connection, PriceTable prices, UUID workspaceId, Instant from, Instant to, GroupBy by)
            throws SQLException {
        String sql = """
                SELECT %s AS key, max(u.title) AS title, u.provider, u.model, count(DISTINCT u.run_id) AS runs,
                       sum(u.input) AS input, sum(u.cached) AS cached, sum(u.output) AS output,
                       sum(u.reasoning) AS reasoning, sum(u.cost) AS reported_cost,
                       COALESCE(sum(u.input) FILTER (WHERE u.cost IS NULL), 0) AS unreported_input,
                       COALESCE(sum(u.cached) FILTER (WHERE u.cost IS NULL), 0) AS unreported_cached,
                       COALESCE(sum(u.output) FILTER (WHERE u.cost IS NULL), 0) AS unreported_output
                  FROM (%s) u
                 GROUP BY 1, 3, 4
                 ORDER BY 1""".formatted(by.key, USAGE);
        Map<String, Group> groups = new LinkedHashMap<>();
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setTimestamp(1, Timestamp.from(from));
            statement.setTimestamp(2, Timestamp.from(to));
            statement.setObject(3, workspaceId);
            statement.setObject(4, workspaceId);
            try (ResultSet rs = statement.executeQuery()) {
                while (rs.next()) {
                    String key = rs.getString("key");
                    Figures figures = figures(rs, prices);
                    String label = by == GroupBy.TASK ? rs.getString("title") : key;
                    groups.merge(
                            key,
                            new Group(key, label, figures),
                            (a, b) -> new Group(a.key(), a.label(), a.figures().plus(b.figures())));
                }
            }
        }
        return new ArrayList<>(groups.values());
    }

    private static Figures figures(ResultSet rs, PriceTable prices) throws SQLException {
        BigDecimal reported = rs.getBigDecimal("reported_cost");
        long unreportedInput = rs.getLong("unreported_input");
        long unreportedCached = rs.getLong("unreported_cached");
        long unreportedOutput = rs.getLong("unreported_output");
        double cost = reported == null ? 0 : reported.doubleValue();
        long unpriced = 0;
        Optional<PriceTable.Price> price = prices.priceOf(rs.getString("model"), rs.getString("provider"));
        if (price.isPresent()) {
            cost += price.get().cost(unreportedInput, unreportedCached, unreportedOutput);
        } else {
            unpriced = unreportedInput + unreportedOutput;
        }
        return new Figures(
                rs.getLong("runs"),
                rs.getLong("input"),
                rs.getLong("cached"),
                rs.getLong("output"),
                rs.getLong("reasoning"),
                cost,
                unpriced);
    }

    /** The sum of some groups. */
    public static Figures total(List<Group> groups) {
        Figures total = Figures.ZERO;
        for (Group group : groups) {
            total = total.plus(group.figures());
        }
        return total;
    }

    /**
     * A workspace's budget and what it has used in the current period.
     *
     * @param period {@code day} or {@code month} (UTC)
     * @param maxTokens the token limit, or {@code null}
     * @param maxCostUsd the US dollar limit, or {@code null}
     */
    public record BudgetState(
            String period,
            Long maxTokens,
            Double maxCostUsd,
            Instant periodStart,
            Instant periodEnd,
            long usedTokens,
            double usedCostUsd) {

        /** Which limit is reached ({@code workspace_tokens}, {@code workspace_cost}), or {@code null}. */
        public String exhaustedBy() {
            return exhaustedBy(0, 0);
        }

        /** Which limit is reached once {@code moreTokens} and {@code moreCostUsd} are added, or {@code null}. */
        public String exhaustedBy(long moreTokens, double moreCostUsd) {
            if (maxTokens != null && usedTokens + moreTokens >= maxTokens) {
                return "workspace_tokens";
            }
            if (maxCostUsd != null && usedCostUsd + moreCostUsd >= maxCostUsd) {
                return "workspace_cost";
            }
            return null;
        }
    }

    /** The workspace's budget and its use in the period that contains {@code now}; empty when it has no budget. */
    public static Optional<BudgetState> budget(Connection connection, PriceTable prices, UUID workspaceId, Instant now)
            throws SQLException {
        String period;
        Long maxTokens;
        Double maxCost;
        try (PreparedStatement statement = connection.prepareStatement(
                "SELECT budget_period, budget_max_tokens, budget_max_cost_usd FROM workspaces WHERE id = ?")) {
            statement.setObject(1, workspaceId);
            try (ResultSet rs = statement.executeQuery()) {
                if (!rs.next() || rs.getString("budget_period") == null) {
                    return Optional.empty();
                }
                period = rs.getString("budget_period");
                maxTokens = rs.getObject("budget_max_tokens") == null ? null : rs.getLong("budget_max_tokens");
                BigDecimal cost = rs.getBigDecimal("budget_max_cost_usd");
                maxCost = cost == null ? null : cost.doubleValue();
            }
        }
        LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
        LocalDate first = period.equals("month") ? today.withDayOfMonth(1) : today;
        LocalDate next = period.equals("month") ? first.plusMonths(1) : first.plusDays(1);
        Instant start = first.atStartOfDay(ZoneOffset.UTC).toInstant();
        Instant end = next.atStartOfDay(ZoneOffset.UTC).toInstant();
        Figures used = total(groups(connection, prices, workspaceId, start, end, GroupBy.PROVIDER));
        return Optional.of(new BudgetState(period, maxTokens, maxCost, start, end, used.totalTokens(), used.costUsd()));
    }
}
