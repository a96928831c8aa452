package dev.agentcenter.api.usage;

import dev.agentcenter.api.web.ApiException;
import dev.agentcenter.api.workspace.WorkspaceStore;
import dev.agentcenter.model.UsageReport;
import dev.agentcenter.support.usage.UsageLedger;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import javax.sql.DataSource;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/usage?workspaceId=&from=&to=&groupBy=day|task|provider|model}: agent tokens and cost in {@code [from,
 * to)} (ISO instants or UTC dates; default the last 30 days, at most 366 days), of one workspace or all.
 */
@RestController
class UsageController {

    static final Duration MAX_RANGE = Duration.ofDays(366);

    private final DataSource dataSource;
    private final WorkspaceStore workspaces;
    private final WorkspaceBudgets budgets;
    private final Clock clock;

    UsageController(DataSource dataSource, WorkspaceStore workspaces, WorkspaceBudgets budgets, Clock clock) {
        this.dataSource = dataSource;
        this.workspaces = workspaces;
        this.budgets = budgets;
        this.clock = clock;
    }

    @GetMapping("/api/usage")
    UsageReport usage(
            @RequestParam(required = false) String workspaceId,
            @RequestParam(required = false) String from,
            @RequestParam(required = false) String to,
            @RequestParam(required = false) String groupBy) {
        UUID workspace = workspaceId == null || workspaceId.isBlank() ? null : uuid(workspaceId);
        UsageLedger.GroupBy by = groupBy(groupBy);
        Instant end = to == null || to.isBlank() ? Instant.now(clock) : instant("to", to);
        Instant start = from == null || from.isBlank()
                ? end.minus(30, ChronoUnit.DAYS).truncatedTo(ChronoUnit.DAYS)
                : instant("from", from);
        if (!start.isBefore(end)) {
            throw ApiException.invalidField("from", "must be before to");
        }
        if (Duration.between(start, end).compareTo(MAX_RANGE) > 0) {
            throw ApiException.invalidField("to", "the range may span at most 366 days");
        }
        if (workspace != null && !workspaces.exists(workspace)) {
            throw ApiException.notFound("workspace", workspace);
        }
        List<UsageLedger.Group> groups;
        try (var connection = dataSource.getConnection()) {
            groups = UsageLedger.groups(connection, budgets.prices(), workspace, start, end, by);
        } catch (SQLException e) {
            throw new IllegalStateException("Could not sum usage", e);
        }
        return new UsageReport(
                workspace,
                start,
                end,
                by.name().toLowerCase(Locale.ROOT),
                figures(UsageLedger.total(groups)),
                groups.stream()
                        .map(g -> new UsageReport.Group(g.key(), g.label(), figures(g.figures())))
                        .toList(),
                workspace == null ? null : budgets.state(workspace).orElse(null));
    }

    private static UsageReport.Figures figures(UsageLedger.Figures f) {
        return new UsageReport.Figures(
                f.runs(),
                f.inputTokens(),
                f.cachedInputTokens(),
                f.outputTokens(),
                f.reasoningTokens(),
                f.totalTokens(),
                WorkspaceBudgets.round(f.costUsd()),
                f.unpricedTokens());
    }

    private static UUID uuid(String text) {
        try {
            return UUID.fromString(text.strip());
        } catch (IllegalArgumentException e) {
            throw ApiException.invalidField("workspaceId", "must be a UUID");
        }
    }

    private static UsageLedger.GroupBy groupBy(String text) {
        if (text == null || text.isBlank()) {
            return UsageLedger.GroupBy.DAY;
        }
        return switch (text.strip()) {
            case "day" -> UsageLedger.GroupBy.DAY;
            case "task" -> UsageLedger.GroupBy.TASK;
            case "provider" -> UsageLedger.GroupBy.PROVIDER;
            case "model" -> UsageLedger.GroupBy.MODEL;
            default -> throw ApiException.invalidField("groupBy", "must be one of day, task, provider, model");
        };
    }

    /** An ISO-8601 instant, or a date meaning its UTC midnight. */
    private static Instant instant(String field, String text) {
        String value = text.strip();
        try {
            return value.length() == 10
                    ? LocalDate.parse(value).atStartOfDay(ZoneOffset.UTC).toInstant()
                    : Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw ApiException.invalidField(field, "must be an ISO-8601 instant (2026-12-03T00:00:00Z) or a date");
        }
    }
}
