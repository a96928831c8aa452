package dev.agentcenter.sdk;

import dev.agentcenter.model.UsageReport;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/** What coding agents used ({@code GET /api/usage}): tokens and cost, in total and grouped, with budgets. */
public final class UsageService {

    /** How a report groups its figures. */
    public enum GroupBy {
        /** By UTC day. */
        DAY,
        /** By task. */
        TASK,
        /** By agent provider ({@code codex}, {@code claude}). */
        PROVIDER,
        /** By model ({@code default} when the run named none). */
        MODEL
    }

    private final Transport transport;

    UsageService(Transport transport) {
        this.transport = transport;
    }

    /**
     * Usage in {@code [from, to)}.
     *
     * @param workspaceId one workspace (then the report has its budget), or {@code null} for all
     * @param from start, or {@code null} for 30 days before {@code to}
     * @param to end (exclusive), or {@code null} for now
     * @param groupBy grouping, or {@code null} for {@link GroupBy#DAY}
     * @return the report
     * @throws BadRequestException for a range over 366 days or {@code from} not before {@code to}
     * @throws NotFoundException when the workspace does not exist
     */
    public UsageReport get(UUID workspaceId, Instant from, Instant to, GroupBy groupBy) {
        Map<String, Object> query = new LinkedHashMap<>();
        query.put("workspaceId", workspaceId);
        query.put("from", from);
        query.put("to", to);
        query.put("groupBy", groupBy == null ? null : groupBy.name().toLowerCase(java.util.Locale.ROOT));
        return transport.call("GET", "/api/usage", query, null, true, UsageReport.class);
    }

    /**
     * A workspace's usage of the last 30 days by day, with its budget.
     *
     * @param workspaceId the workspace
     * @return the report
     */
    public UsageReport get(UUID workspaceId) {
        return get(workspaceId, null, null, null);
    }
}
