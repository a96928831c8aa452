package dev.agentcenter.support.ledger;

import dev.agentcenter.model.RunStatus;
import dev.agentcenter.support.ledger.RunEventWriter.Draft;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Ends the leases of runs whose runner went away: the worker's sweeper (which holds the expired rows locked, in
 * its transaction) queues them again, fails them or cancels them; a runner that restarts expires the leases it
 * held so the sweeper takes them at once. Events are written only when the row changed.
 */
public final class LeaseSweeps {

    private final JdbcClient db;
    private final RunEvents events;

    /** Statements run on {@code db} and events are appended through {@code events}: both in the caller's transaction. */
    public LeaseSweeps(JdbcClient db, RunEvents events) {
        this.db = db;
        this.events = events;
    }

    /** Nothing ran yet: queue the run again, to run elsewhere. */
    public boolean requeue(UUID runId, Draft... drafts) {
        int changed = db.sql("""
                        UPDATE runs SET status = 'queued', runner_id = NULL, lease_token = NULL, lease_expires_at = NULL,
                                        not_before = NULL, updated_at = now()
                        WHERE id = :id""" + " AND " + RunTransitions.guard(RunStatus.QUEUED))
                .param("id", runId)
                .update();
        return events.appendIfChanged(changed, runId, drafts);
    }

    /** The runner is lost: fail the run ({@code runner_lost}). */
    public boolean fail(UUID runId, String message, Draft... drafts) {
        return end(runId, RunStatus.FAILED, "runner_lost", message, drafts);
    }

    /** A cancel nobody will confirm any more: end the run as cancelled. */
    public boolean cancel(UUID runId, String message, Draft... drafts) {
        return end(runId, RunStatus.CANCELLED, "cancelled", message, drafts);
    }

    private boolean end(UUID runId, RunStatus status, String code, String message, Draft... drafts) {
        int changed = db.sql("""
                        UPDATE runs SET status = :status, error_code = :code, error_message = :message,
                                        lease_token = NULL, lease_expires_at = NULL, finished_at = now(), updated_at = now()
                        WHERE id = :id""" + " AND " + RunTransitions.guard(status))
                .param("id", runId)
                .param("status", status.wire())
                .param("code", code)
                .param("message", message)
                .update();
        return events.appendIfChanged(changed, runId, drafts);
    }

    /**
     * A runner that restarted cannot resume the runs it held: their leases expire now, for the sweeper.
     *
     * @return how many runs that was
     */
    public static int expireLeasesOf(JdbcClient db, UUID runnerId) {
        return db.sql("UPDATE runs SET lease_expires_at = now() WHERE runner_id = :id AND " + RunTransitions.ACTIVE)
                .param("id", runnerId)
                .update();
    }
}
