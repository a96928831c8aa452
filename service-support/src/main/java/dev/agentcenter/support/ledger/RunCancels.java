package dev.agentcenter.support.ledger;

import dev.agentcenter.model.RunEventTypes;
import dev.agentcenter.model.RunStatus;
import java.util.Map;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Cancels runs, in the caller's transaction. A queued run is cancelled on the spot; an active one is marked and its
 * runner is told through {@code NOTIFY run_cancel} (it stops the process tree and ends the run {@code cancelled},
 * keeping its output).
 */
public final class RunCancels {

    /** What {@link #cancel} did. */
    public sealed interface Outcome {}

    /** No such run. */
    public record Missing() implements Outcome {}

    /** The run had already ended; nothing changed. */
    public record AlreadyEnded(RunStatus status) implements Outcome {}

    /** The queued run is cancelled. */
    public record Cancelled() implements Outcome {}

    /** The active run is marked; {@code now} is false when it was marked before. */
    public record Requested(boolean now) implements Outcome {}

    private final JdbcClient db;
    private final RunEvents events;

    /** Statements run on {@code db} and events are appended through {@code events}: both in the caller's transaction. */
    public RunCancels(JdbcClient db, RunEvents events) {
        this.db = db;
        this.events = events;
    }

    /** Cancels the run, or asks its runner to. Idempotent while the run is active. */
    public Outcome cancel(UUID runId, String because) {
        RunStatus status = db.sql("SELECT status FROM runs WHERE id = :id FOR UPDATE")
                .param("id", runId)
                .query((rs, row) -> RunStatus.fromWire(rs.getString(1)))
                .optional()
                .orElse(null);
        if (status == null) {
            return new Missing();
        }
        if (status.terminal()) {
            return new AlreadyEnded(status);
        }
        if (status == RunStatus.QUEUED) {
            db.sql("""
                            UPDATE runs SET status = 'cancelled', cancel_requested_at = now(), finished_at = now(),
                                            error_code = 'cancelled', error_message = :reason, updated_at = now()
                           WHERE id = :id""" + " AND " + RunTransitions.guard(RunStatus.CANCELLED))
                    .param("id", runId)
                    .param("reason", because)
                    .update();
            events.append(
                    runId,
                    RunEvents.draft(
                            RunEventTypes.RUN_CANCELLED,
                            "warn",
                            because + " before it started",
                            Map.of("status", "cancelled", "previousStatus", status.wire())));
            return new Cancelled();
        }
        int marked = db.sql("""
                        UPDATE runs SET cancel_requested_at = now(), updated_at = now()
                        WHERE id = :id AND cancel_requested_at IS NULL""").param("id", runId).update();
        if (marked == 0) {
            return new Requested(false);
        }
        events.append(
                runId,
                RunEvents.draft(
                        RunEventTypes.RUN_CANCEL_REQUESTED,
                        "warn",
                        because + "; stopping the run",
                        Map.of("status", status.wire())));
        db.sql("SELECT pg_notify('run_cancel', :id)")
                .param("id", runId.toString())
                .query((rs, row) -> 0)
                .list();
        return new Requested(true);
    }
}
