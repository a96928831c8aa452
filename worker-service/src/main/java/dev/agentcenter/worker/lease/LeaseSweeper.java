package dev.agentcenter.worker.lease;

import dev.agentcenter.model.RunEventTypes;
import dev.agentcenter.support.ledger.LeaseSweeps;
import dev.agentcenter.support.ledger.RunEvents;
import dev.agentcenter.worker.WorkerProperties;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Rescues runs whose runner stopped renewing the lease, and marks runners that stopped sending heartbeats offline.
 *
 * <p>Safe with any number of workers and no leader: expired runs are locked with {@code FOR UPDATE SKIP LOCKED},
 * so each is handled by exactly one sweeper, and a lease renewed just before the lock is re-checked by Postgres
 * against the newest row version. Clearing {@code lease_token} is what fences the stale runner: its later event
 * appends and status updates carry the old token and match no row.
 *
 * <p><b>Outages.</b> A runner cannot renew while Postgres is down or unreachable, so an expired lease only means
 * the runner is gone once the runner had a whole lease period of reachable database to renew it. Leases are judged
 * only while the database has been up for at least {@code outageGrace} ({@code RUN_LEASE_SECONDS}) since its
 * last start ({@code pg_postmaster_start_time()}) and this worker has reached it in every sweep for that long
 * (a failed sweep starts the count again). A Postgres restart or outage of any length therefore fails no healthy
 * run: its runner renews within seconds of the database coming back. A runner cut off alone while the database
 * and the workers are fine loses its runs once its lease expires (about RUN_LEASE_SECONDS after its last renewal).
 */
final class LeaseSweeper {

    private static final Logger log = LoggerFactory.getLogger(LeaseSweeper.class);
    private static final int BATCH = 100;

    private record Expired(
            UUID id,
            String status,
            UUID runnerId,
            String runnerName,
            Instant startedAt,
            int dispatchAttempts,
            Instant leaseExpiresAt,
            boolean cancelRequested) {}

    private final JdbcClient db;
    private final TransactionTemplate transactions;
    private final LeaseSweeps sweeps;
    private final WorkerProperties properties;
    private final Duration outageGrace;
    /** {@code System.nanoTime()} of the first sweep of the current unbroken series of successful ones; -1: none. */
    private long reachableSince = -1;

    private boolean waitingLogged;

    LeaseSweeper(JdbcClient db, TransactionTemplate transactions, RunEvents events, WorkerProperties properties) {
        this(db, transactions, events, properties, properties.runLease());
    }

    /** @param outageGrace reachable database time a runner gets to renew before its expired lease counts */
    LeaseSweeper(
            JdbcClient db,
            TransactionTemplate transactions,
            RunEvents events,
            WorkerProperties properties,
            Duration outageGrace) {
        this.db = db;
        this.transactions = transactions;
        this.sweeps = new LeaseSweeps(db, events);
        this.properties = properties;
        this.outageGrace = outageGrace;
    }

    /**
     * One sweep: every run whose lease has expired by now, then stale runners; neither until the database has been
     * reachable long enough (see the class comment).
     */
    synchronized void sweep() {
        try {
            if (!settled()) {
                return;
            }
            int handled;
            do {
                handled = sweepBatch();
            } while (handled == BATCH);
            markStaleRunnersOffline();
        } catch (RuntimeException e) {
            reachableSince = -1;
            throw e;
        }
    }

    /** The database has been up, and reached by this worker, for at least the grace. */
    private boolean settled() {
        long now = System.nanoTime();
        if (reachableSince < 0) {
            reachableSince = now;
        }
        boolean databaseUp =
                Boolean.TRUE.equals(db.sql("SELECT now() - pg_postmaster_start_time() >= make_interval(secs => :grace)")
                        .param("grace", outageGrace.toMillis() / 1000.0)
                        .query(Boolean.class)
                        .single());
        boolean reached = now - reachableSince >= outageGrace.toNanos();
        if (databaseUp && reached) {
            if (waitingLogged) {
                log.info("Judging run leases again: the database has been reachable for {}", outageGrace);
                waitingLogged = false;
            }
            return true;
        }
        if (!waitingLogged) {
            log.info(
                    "Not judging run leases until the database has been reachable for {} (it restarted, or this"
                            + " worker could not reach it): runners get that long to renew",
                    outageGrace);
            waitingLogged = true;
        }
        return false;
    }

    private int sweepBatch() {
        Integer handled = transactions.execute(status -> {
            List<Expired> expired = db.sql("""
                            SELECT r.id, r.status, r.runner_id, r.started_at, r.dispatch_attempts, r.lease_expires_at,
                                   r.cancel_requested_at IS NOT NULL AS cancel_requested,
                                   (SELECT name FROM runners WHERE id = r.runner_id) AS runner_name
                              FROM runs r
                             WHERE r.status IN ('provisioning', 'cloning', 'running') AND r.lease_expires_at < now()
                             ORDER BY r.lease_expires_at
                             LIMIT :batch
                               FOR UPDATE OF r SKIP LOCKED""")
                    .param("batch", BATCH)
                    .query((rs, row) -> new Expired(
                            rs.getObject("id", UUID.class),
                            rs.getString("status"),
                            rs.getObject("runner_id", UUID.class),
                            rs.getString("runner_name"),
                            instant(rs.getObject("started_at", OffsetDateTime.class)),
                            rs.getInt("dispatch_attempts"),
                            instant(rs.getObject("lease_expires_at", OffsetDateTime.class)),
                            rs.getBoolean("cancel_requested")))
                    .list();
            for (Expired run : expired) {
                if (run.cancelRequested()) {
                    cancel(run);
                } else if (run.startedAt() == null && run.dispatchAttempts() < properties.dispatchMaxAttempts()) {
                    requeue(run);
                } else {
                    fail(run);
                }
            }
            return expired.size();
        });
        return handled == null ? 0 : handled;
    }

    /** Nothing ran yet, so running it elsewhere is safe; the dispatch attempt was already counted at claim. */
    private void requeue(Expired run) {
        Map<String, Object> payload = payload(run, "queued");
        payload.put("reason", "lease_expired");
        sweeps.requeue(
                run.id(),
                RunEvents.draft(
                        RunEventTypes.RUN_STATUS_CHANGED,
                        "warn",
                        "Runner " + runnerLabel(run) + " did not start the run before its lease expired; queued again",
                        payload));
        log.info(
                "Run {}: runner {} did not start it before its lease expired; queued again",
                run.id(),
                runnerLabel(run));
    }

    private void fail(Expired run) {
        String message = "The runner stopped renewing its lease (last expiry " + run.leaseExpiresAt()
                + "); the run was abandoned";
        Map<String, Object> payload = payload(run, "failed");
        payload.put("code", "runner_lost");
        sweeps.fail(
                run.id(),
                message,
                RunEvents.draft(RunEventTypes.RUN_STATUS_CHANGED, "error", message, payload),
                RunEvents.draft(
                        RunEventTypes.RUN_FAILED, "error", message, Map.of("code", "runner_lost", "message", message)));
        log.warn("Run {} failed: runner {} stopped renewing its lease", run.id(), runnerLabel(run));
    }

    /** The user asked to cancel and the runner is gone: nobody will confirm it, so end the run as cancelled. */
    private void cancel(Expired run) {
        String message = "Cancelled; the runner stopped renewing its lease before it confirmed the cancel";
        sweeps.cancel(
                run.id(),
                message,
                RunEvents.draft(RunEventTypes.RUN_CANCELLED, "warn", message, payload(run, "cancelled")));
    }

    private void markStaleRunnersOffline() {
        List<String> names = db.sql("""
                        UPDATE runners SET status = 'offline', updated_at = now()
                         WHERE status <> 'offline' AND last_heartbeat_at < now() - make_interval(secs => :stale)
                        RETURNING name""")
                .param("stale", properties.runnerStaleAfter().toMillis() / 1000.0)
                .query(String.class)
                .list();
        if (!names.isEmpty()) {
            log.warn("No heartbeat for {}: marked offline: {}", properties.runnerStaleAfter(), names);
        }
    }

    private static Map<String, Object> payload(Expired run, String status) {
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("status", status);
        payload.put("previousStatus", run.status());
        payload.put("runnerId", run.runnerId() == null ? null : run.runnerId().toString());
        payload.put("leaseExpiredAt", String.valueOf(run.leaseExpiresAt()));
        return payload;
    }

    private static String runnerLabel(Expired run) {
        return run.runnerName() != null ? run.runnerName() : String.valueOf(run.runnerId());
    }

    private static Instant instant(OffsetDateTime value) {
        return value == null ? null : value.toInstant();
    }
}
