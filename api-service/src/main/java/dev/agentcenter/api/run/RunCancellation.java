package dev.agentcenter.api.run;

import dev.agentcenter.api.web.ApiException;
import dev.agentcenter.model.Run;
import dev.agentcenter.support.ledger.RunCancels;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * Cancels runs through the ledger's {@link RunCancels}: a queued run is cancelled on the spot; an active one is
 * marked and its runner is told through {@code NOTIFY run_cancel}. Answers 404 for an unknown run, 409 for one that
 * already ended.
 */
@Component
public class RunCancellation {

    private final JdbcClient db;
    private final RunCancels cancels;
    private final RunStore runs;

    RunCancellation(JdbcClient db, RunCancels cancels, RunStore runs) {
        this.db = db;
        this.cancels = cancels;
        this.runs = runs;
    }

    /** Cancels the run, or asks its runner to. Idempotent while the run is active. */
    @Transactional
    public Run cancel(UUID runId, String reason) {
        String because = reason == null ? "Cancelled via API" : reason;
        switch (cancels.cancel(runId, because)) {
            case RunCancels.Missing missing -> throw ApiException.notFound("run", runId);
            case RunCancels.AlreadyEnded ended ->
                throw ApiException.conflict(
                        "run_not_active",
                        "The run already ended (" + ended.status().wire() + ")");
            case RunCancels.Cancelled cancelled -> {}
            case RunCancels.Requested requested -> {}
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
