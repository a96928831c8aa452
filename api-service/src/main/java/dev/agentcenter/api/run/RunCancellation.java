package dev.agentcenter.api.run;

import dev.agentcenter.api.web.ApiException;
import dev.agentcenter.model.EventLevel;
import dev.agentcenter.model.Run;
import dev.agentcenter.model.RunStatus;
import java.util.Map;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * Cancels runs. A queued run is cancelled on the spot; an active one is marked and its runner is told through
 * {@code NOTIFY run_cancel} (it stops the process tree and ends the run {@code cancelled}, keeping its output).
 */
@Component
public class RunCancellation {

    private final JdbcClient db;
    private final RunEventLog events;
    private final RunStore runs;

    RunCancellation(JdbcClient db, RunEventLog events, RunStore runs) {
        this.db = db;
        this.events = events;
        this.runs = runs;
    }

    /** Cancels the run, or asks its runner to. Idempotent while the run is active. */
    @Transactional
    public Run cancel(UUID runId, String reason) {
        RunStatus status = db.sql("SELECT status FROM runs WHERE id = :id FOR UPDATE")
                .param("id", runId)
                .query((rs, row) -> RunStatus.fromWire(rs.getString(1)))
                .optional()
                .orElseThrow(() -> ApiException.notFound("run", runId));
        if (status.terminal()) {
            throw ApiException.conflict("run_not_active", "The run already ended (" + status.wire() + ")");
        }
        String because = reason == null ? "Cancelled via API" : reason;
        if (status == RunStatus.QUEUED) {
            db.sql("""
                            UPDATE runs SET status = 'cancelled', cancel_requested_at = now(), finished_at = now(),
                                            error_code = 'cancelled', error_message = :reason, updated_at = now()
                            WHERE id = :id""").param("id", runId).param("reason", because).update();
            events.append(
                    runId,
                    "run.cancelled",
                    EventLevel.WARN,
                    because + " before it started",
                    Map.of("status", "cancelled", "previousStatus", status.wire()));
        } else {
            int marked = db.sql("""
                            UPDATE runs SET cancel_requested_at = now(), updated_at = now()
                            WHERE id = :id AND cancel_requested_at IS NULL""").param("id", runId).update();
            if (marked > 0) {
                events.append(
                        runId,
                        "run.cancel_requested",
                        EventLevel.WARN,
                        because + "; stopping the run",
                        Map.of("status", status.wire()));
                db.sql("SELECT pg_notify('run_cancel', :id)")
                        .param("id", runId.toString())
                        .query((rs, row) -> 0)
                        .list();
            }
        }
        return runs.find(runId).orElseThrow();
    }

    /** Cancels the active run of a task. */
    @Transactional
    public Run cancelActiveRunOf(UUID taskId, String reason) {
        boolean taskExists = db.sql("SELECT EXISTS (SELECT 1 FROM tasks WHERE id = :id)")
                .param("id", taskId)
                .query(Boolean.class)
                .single();
        if (!taskExists) {
            throw ApiException.notFound("task", taskId);
        }
        UUID active = db.sql("SELECT id FROM runs WHERE task_id = :taskId"
                        + " AND status IN ('queued', 'provisioning', 'cloning', 'running')")
                .param("taskId", taskId)
                .query(UUID.class)
                .optional()
                .orElseThrow(() -> ApiException.conflict("task_has_no_active_run", "The task has no active run"));
        return cancel(active, reason);
    }
}
