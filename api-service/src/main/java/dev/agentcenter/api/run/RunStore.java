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

    /** Every run of a task, latest attempt first. */
    public List<Run> ofTask(UUID taskId) {
        return db.sql("SELECT * FROM runs WHERE task_id = :taskId ORDER BY attempt DESC")
                .param("taskId", taskId)
                .query(this::map)
                .list();
    }

    /** Up to {@code limit} events after {@code afterSequence}, in order. */
    public List<RunEvent> events(UUID runId, long afterSequence, int limit) {
        return db.sql("""
                        SELECT * FROM run_events WHERE run_id = :runId AND sequence > :after
                        ORDER BY sequence LIMIT :limit""")
                .param("runId", runId)
                .param("after", afterSequence)
                .param("limit", limit)
                .query(this::mapEvent)
                .list();
    }

    List<LogLine> logs(UUID runId, long afterSequence, int limit) {
        return db.sql("""
                        SELECT sequence, message, payload->>'stream' AS stream,
                               (payload->>'commandIndex')::int AS command_index, created_at
                          FROM run_events
                         WHERE run_id = :runId AND sequence > :after AND event_type = 'run.log'
                         ORDER BY sequence LIMIT :limit""")
                .param("runId", runId)
                .param("after", afterSequence)
                .param("limit", limit)
                .query((rs, row) -> new LogLine(
                        rs.getLong("sequence"),
                        rs.getString("stream"),
                        Rows.integer(rs, "command_index"),
                        rs.getString("message"),
                        Rows.instant(rs, "created_at")))
                .list();
    }

    /** Streams every output line of a run, in order, without holding them all in memory. */
    void eachLogLine(UUID runId, Consumer<String> line) {
        long after = 0;
        List<LogLine> batch;
        do {
            batch = logs(runId, after, 5_000);
            batch.forEach(l -> line.accept(l.line()));
            after = batch.isEmpty() ? after : batch.getLast().sequence();
        } while (batch.size() == 5_000);
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
