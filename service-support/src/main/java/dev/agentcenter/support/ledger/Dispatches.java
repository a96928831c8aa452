package dev.agentcenter.support.ledger;

import dev.agentcenter.support.ledger.RunEventWriter.Draft;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A worker's writes: the claim of queued runs for a runner, and what becomes of a claimed run whose dispatch did
 * not end with the runner taking it. All in the caller's transaction; events are written only when the row
 * changed.
 *
 * <p>Every outcome is one statement fenced on the lease token, on {@code provisioning} and on {@code started_at IS
 * NULL}: if the runner did receive the request and has started the run (or the sweeper or a cancel took it over),
 * the statement matches no row and the run is left to whoever holds it.
 */
public final class Dispatches {

    /**
     * The claim of one queued run the worker chose (see the worker's {@code RunClaimer}: queue order, limits and
     * workspace affinity decide which): status {@code provisioning}, a new lease, no waiting reason, and the runner
     * it was re-homed from when it left the runner that holds its task's workspace.
     */
    private static final String CLAIM = """
            UPDATE runs r
               SET status = 'provisioning', runner_id = :runnerId, lease_token = gen_random_uuid(),
                   lease_expires_at = now() + make_interval(secs => :lease),
                   dispatch_attempts = r.dispatch_attempts + 1, waiting_for = NULL,
                   rehomed_from_runner_id = :rehomedFrom, updated_at = now()
             WHERE r.id = :id AND r.status = 'queued'
            RETURNING r.id, r.attempt, r.lease_token, r.dispatch_attempts""";

    /** Lease, status and "not started": every outcome below moves {@code provisioning} to an allowed status. */
    private static final String FENCE =
            " WHERE id = :id AND lease_token = :token AND status = 'provisioning'" + " AND started_at IS NULL";

    /** A run just claimed. */
    public record Claimed(UUID runId, int attempt, UUID leaseToken, int dispatchAttempts) {}

    private final JdbcClient db;
    private final RunEvents events;

    /** Statements run on {@code db} and events are appended through {@code events}: both in the caller's transaction. */
    public Dispatches(JdbcClient db, RunEvents events) {
        this.db = db;
        this.events = events;
    }

    /**
     * Claims one queued run (locked by the caller with {@code FOR UPDATE}) for the runner and writes its claim
     * events.
     *
     * @param rehomedFrom the runner holding the task's workspace, when the run is taken away from it; else null
     */
    public Claimed claim(
            UUID runId, UUID runnerId, Duration lease, UUID rehomedFrom, Function<Claimed, List<Draft>> claimEvents) {
        Claimed run = db.sql(CLAIM)
                .param("id", runId)
                .param("runnerId", runnerId)
                .param("lease", (double) lease.toMillis() / 1000)
                .param("rehomedFrom", rehomedFrom, java.sql.Types.OTHER)
                .query((rs, row) -> new Claimed(
                        rs.getObject("id", UUID.class),
                        rs.getInt("attempt"),
                        rs.getObject("lease_token", UUID.class),
                        rs.getInt("dispatch_attempts")))
                .single();
        for (Draft draft : claimEvents.apply(run)) {
            events.append(run.runId(), draft);
        }
        return run;
    }

    /** Queues the run again, to be claimed after {@code delay}. */
    public boolean requeue(UUID runId, UUID token, Duration delay, Draft... drafts) {
        int changed = db.sql("UPDATE runs SET status = 'queued', runner_id = NULL, lease_token = NULL,"
                        + " lease_expires_at = NULL, not_before = now() + make_interval(secs => :delay),"
                        + " updated_at = now()" + FENCE)
                .param("id", runId)
                .param("token", token)
                .param("delay", delay.toMillis() / 1000.0)
                .update();
        return events.appendIfChanged(changed, runId, drafts);
    }

    /** Fails the run at once. */
    public boolean fail(UUID runId, UUID token, String code, String message, Draft... drafts) {
        int changed = db.sql("UPDATE runs SET status = 'failed', error_code = :code, error_message = :message,"
                        + " lease_token = NULL, lease_expires_at = NULL, finished_at = now(), updated_at = now()"
                        + FENCE)
                .param("id", runId)
                .param("token", token)
                .param("code", code)
                .param("message", message)
                .update();
        return events.appendIfChanged(changed, runId, drafts);
    }

    /** Gives the run back without backoff and without counting the attempt. */
    public boolean handBack(UUID runId, UUID token, Draft... drafts) {
        int changed = db.sql("UPDATE runs SET status = 'queued', runner_id = NULL, lease_token = NULL,"
                        + " lease_expires_at = NULL, not_before = NULL,"
                        + " dispatch_attempts = greatest(dispatch_attempts - 1, 0), updated_at = now()"
                        + FENCE)
                .param("id", runId)
                .param("token", token)
                .update();
        return events.appendIfChanged(changed, runId, drafts);
    }

    /** Cancels the run if a cancel was requested while it was being dispatched. */
    public boolean cancelIfRequested(UUID runId, UUID token, String message, Draft... drafts) {
        int changed = db.sql("UPDATE runs SET status = 'cancelled', error_code = 'cancelled', error_message = :message,"
                        + " lease_token = NULL, lease_expires_at = NULL, finished_at = now(), updated_at = now()"
                        + FENCE + " AND cancel_requested_at IS NOT NULL")
                .param("id", runId)
                .param("token", token)
                .param("message", message)
                .update();
        return events.appendIfChanged(changed, runId, drafts);
    }
}
