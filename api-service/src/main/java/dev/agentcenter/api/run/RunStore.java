package dev.agentcenter.api.run;

import dev.agentcenter.api.web.JsonColumns;
import dev.agentcenter.api.web.PageQuery;
import dev.agentcenter.api.web.Rows;
import dev.agentcenter.model.EventLevel;
import dev.agentcenter.model.ExecutionConfig;
import dev.agentcenter.model.ExecutionPolicy;
import dev.agentcenter.model.LogLine;
import dev.agentcenter.model.Page;
import dev.agentcenter.model.PermissionMode;
import dev.agentcenter.model.Run;
import dev.agentcenter.model.RunDiff;
import dev.agentcenter.model.RunEvent;
import dev.agentcenter.model.RunStatus;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import tools.jackson.core.type.TypeReference;

/** Reads runs, their events, output lines and diffs. */
@Repository
public class RunStore {

    private final JdbcClient db;
    private final JsonColumns json;

    RunStore(JdbcClient db, JsonColumns json) {
        this.db = db;
        this.json = json;
    }

    /** Looks a run up. */
    public Optional<Run> find(UUID id) {
        return db.sql("SELECT * FROM runs WHERE id = :id")
                .param("id", id)
                .query(this::map)
                .optional();
    }

    boolean exists(UUID id) {
        return db.sql("SELECT EXISTS (SELECT 1 FROM runs WHERE id = :id)")
                .param("id", id)
                .query(Boolean.class)
                .single();
    }

    Page<Run> list(UUID taskId, PageQuery page) {
        var statement = db.sql("SELECT * FROM runs WHERE " + page.condition(null)
                + (taskId == null ? "" : " AND task_id = :taskId")
                + " ORDER BY created_at DESC, id DESC LIMIT :pageLimit");
        if (taskId != null) {
            statement = statement.param("taskId", taskId);
        }
        List<Run> rows = page.bind(statement).query(this::map).list();
        return page.page(rows, r -> new PageQuery.Key(r.createdAt(), r.id()));
    }

    /** Queued runs in claim order (the worker's {@code ORDER BY queued_at, id}). */
    List<Run> queued(UUID workspaceId, int limit) {
        return db.sql("SELECT r.* FROM runs r JOIN tasks t ON t.id = r.task_id WHERE r.status = 'queued'"
                        + (workspaceId == null ? "" : " AND t.workspace_id = :workspaceId")
                        + " ORDER BY r.queued_at, r.id LIMIT :limit")
                .params(
                        workspaceId == null
                                ? Map.of("limit", limit)
                                : Map.of("limit", limit, "workspaceId", workspaceId))
                .query(this::map)
                .list();
    }

    /** Every run of a task, latest attempt first. */
    public List<Run> ofTask(UUID taskId) {
        return db.sql("SELECT * FROM runs WHERE task_id = :taskId ORDER BY attempt DESC")
                .param("taskId", taskId)
                .query(this::map)
                .list();
    }

    /**
     * A page of a run's events or output lines, in sequence order.
     *
     * @param more whether more follow: the page ended at its limit or at its byte budget
     */
    public record EventPage<T>(List<T> items, boolean more) {}

    /**
     * Events after {@code afterSequence}, in order: at most {@code limit}, and no more than {@code maxBytes} of
     * messages and payloads (but at least one event, however large). Postgres measures the sizes, so events past the
     * budget are never read into this process.
     */
    public EventPage<RunEvent> events(UUID runId, long afterSequence, int limit, long maxBytes) {
        List<Budgeted<RunEvent>> rows = db.sql(budgeted(
                        "SELECT * FROM run_events WHERE run_id = :runId AND sequence > :after",
                        "octet_length(coalesce(e.message, '')) + octet_length(e.payload::text)",
                        "p.run_id, p.event_type, p.level, p.created_at,"
                                + " CASE WHEN p.fits THEN p.message END AS message,"
                                + " CASE WHEN p.fits THEN p.payload::text END AS payload"))
                .param("runId", runId)
                .param("after", afterSequence)
                .param("limitPlusOne", limit + 1)
                .param("maxBytes", maxBytes)
                .query((rs, row) -> rs.getBoolean("fits")
                        ? new Budgeted<>(true, mapEvent(rs, row))
                        : new Budgeted<RunEvent>(false, null))
                .list();
        return page(rows, limit);
    }

    /** Output lines after {@code afterSequence}, bounded like {@link #events}. */
    EventPage<LogLine> logs(UUID runId, long afterSequence, int limit, long maxBytes) {
        List<Budgeted<LogLine>> rows = db.sql(budgeted(
                        "SELECT * FROM run_events WHERE run_id = :runId AND sequence > :after"
                                + " AND event_type = 'run.log'",
                        "octet_length(coalesce(e.message, ''))",
                        "p.created_at, CASE WHEN p.fits THEN p.message END AS message,"
                                + " p.payload->>'stream' AS stream,"
                                + " (p.payload->>'commandIndex')::int AS command_index,"
                                + " coalesce(p.payload->'truncated' = 'true'::jsonb, false) AS truncated,"
                                + " CASE WHEN jsonb_typeof(p.payload->'originalLength') = 'number'"
                                + " THEN (p.payload->>'originalLength')::numeric::bigint END AS original_length"))
                .param("runId", runId)
                .param("after", afterSequence)
                .param("limitPlusOne", limit + 1)
                .param("maxBytes", maxBytes)
                .query((rs, row) -> {
                    if (!rs.getBoolean("fits")) {
                        return new Budgeted<LogLine>(false, null);
                    }
                    long original = rs.getLong("original_length");
                    Long originalLength = rs.wasNull() ? null : original;
                    return new Budgeted<>(
                            true,
                            new LogLine(
                                    rs.getLong("sequence"),
                                    rs.getString("stream"),
                                    Rows.integer(rs, "command_index"),
                                    rs.getString("message"),
                                    Rows.instant(rs, "created_at"),
                                    rs.getBoolean("truncated"),
                                    originalLength));
                })
                .list();
        return page(rows, limit);
    }

    /** A row of a budgeted read: whether it fits the page; the first row that does not fit has no content. */
    private record Budgeted<T>(boolean fits, T item) {}

    /**
     * Up to {@code :limitPlusOne} rows of {@code source} (which selects whole {@code run_events} rows), each with
     * {@code fits}: it is the first, or the sizes up to and including it stay within {@code :maxBytes}. Only the rows
     * that fit come back, and the first one that does not (so the caller knows more follow), without its text.
     */
    private static String budgeted(String source, String size, String columns) {
        // each row's size is computed once (a jsonb payload is rendered as text for it), then summed in order
        return "SELECT p.sequence, p.fits, " + columns
                + " FROM (SELECT s.*, s.rn = 1 OR s.upto <= :maxBytes AS fits"
                + "         FROM (SELECT z.*, row_number() OVER w AS rn, sum(z.size) OVER w AS upto"
                + "                 FROM (SELECT e.*, " + size + " AS size"
                + "                         FROM (" + source + " ORDER BY sequence LIMIT :limitPlusOne) e) z"
                + "               WINDOW w AS (ORDER BY z.sequence ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)) s"
                + "        WHERE s.rn <= 2 OR s.upto - s.size <= :maxBytes) p"
                + " ORDER BY p.sequence";
    }

    private static <T> EventPage<T> page(List<Budgeted<T>> rows, int limit) {
        List<T> items = new java.util.ArrayList<>(Math.min(rows.size(), limit));
        for (Budgeted<T> row : rows) {
            if (!row.fits() || items.size() == limit) {
                return new EventPage<>(items, true);
            }
            items.add(row.item());
        }
        return new EventPage<>(items, false);
    }

    /**
     * Streams every output line of a run, in order, a bounded page at a time. A line that was stored cut ends with
     * {@code [truncated: N bytes in all]}.
     */
    void eachLogLine(UUID runId, long pageBytes, Consumer<String> line) {
        long after = 0;
        EventPage<LogLine> page;
        do {
            page = logs(runId, after, 5_000, pageBytes);
            for (LogLine l : page.items()) {
                String text = l.line() == null ? "" : l.line();
                line.accept(
                        l.truncated() && l.originalLength() != null
                                ? text + " [truncated: " + l.originalLength() + " bytes in all]"
                                : text);
            }
            after = page.items().isEmpty() ? after : page.items().getLast().sequence();
        } while (page.more());
    }

    RunDiff diff(UUID runId) {
        return db.sql("SELECT * FROM run_diffs WHERE run_id = :runId")
                .param("runId", runId)
                .query((rs, row) -> new RunDiff(
                        runId,
                        true,
                        json.read(rs.getString("files"), new TypeReference<List<RunDiff.FileChange>>() {}),
                        json.read(rs.getString("stats"), RunDiff.Stats.class),
                        rs.getString("patch"),
                        rs.getBoolean("truncated"),
                        Rows.instant(rs, "created_at")))
                .optional()
                .orElseGet(() -> new RunDiff(runId, false, List.of(), new RunDiff.Stats(0, 0, 0), "", false, null));
    }

    Run map(ResultSet rs, int row) throws SQLException {
        return new Run(
                Rows.uuid(rs, "id"),
                Rows.uuid(rs, "task_id"),
                rs.getInt("attempt"),
                RunStatus.fromWire(rs.getString("status")),
                rs.getString("source"),
                rs.getString("prompt"),
                PermissionMode.fromWire(rs.getString("permission_mode")),
                json.read(rs.getString("policy"), ExecutionPolicy.class),
                json.read(rs.getString("config"), ExecutionConfig.class),
                rs.getString("base_branch"),
                rs.getString("branch_name"),
                rs.getString("workspace_path"),
                Rows.uuid(rs, "runner_id"),
                rs.getString("error_code"),
                rs.getString("error_message"),
                Rows.integer(rs, "exit_code"),
                rs.getString("pull_request_url"),
                Rows.integer(rs, "pull_request_number"),
                "queued".equals(rs.getString("status")) ? rs.getString("waiting_for") : null,
                Rows.instant(rs, "cancel_requested_at"),
                Rows.instant(rs, "queued_at"),
                Rows.instant(rs, "started_at"),
                Rows.instant(rs, "finished_at"),
                Rows.instant(rs, "created_at"),
                Rows.instant(rs, "updated_at"));
    }

    private RunEvent mapEvent(ResultSet rs, int row) throws SQLException {
        Map<String, Object> payload = json.map(rs.getString("payload"));
        return new RunEvent(
                Rows.uuid(rs, "run_id"),
                rs.getLong("sequence"),
                rs.getString("event_type"),
                EventLevel.valueOf(rs.getString("level").toUpperCase(Locale.ROOT)),
                rs.getString("message"),
                payload,
                Rows.instant(rs, "created_at"));
    }
}
