package dev.agentcenter.worker.queue;

import dev.agentcenter.worker.RunEvents;
import dev.agentcenter.worker.WorkerProperties;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * What happens to a claimed run when its dispatch did not end with the runner taking it: queued again with backoff,
 * failed, handed back on shutdown, or cancelled when a cancel arrived meanwhile.
 *
 * <p>Every change is one statement fenced on the lease token, on {@code provisioning} and on {@code started_at IS
 * NULL}: if the runner did receive the request and has started the run (or the sweeper or a cancel took it over),
 * the statement matches no row and the run is left to whoever holds it. Its events are written in the same
 * transaction, only when the statement matched.
 */
final class DispatchOutcomes {

    static final Duration FIRST_BACKOFF = Duration.ofMillis(200);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(10);

    private static final String FENCE =
            " WHERE id = :id AND lease_token = :token AND status = 'provisioning'" + " AND started_at IS NULL";

    private final JdbcClient db;
    private final TransactionTemplate transactions;
    private final RunEvents events;
    private final WorkerProperties properties;
    private final String workerId;

    DispatchOutcomes(
            JdbcClient db,
            TransactionTemplate transactions,
            RunEvents events,
            WorkerProperties properties,
            String workerId) {
        this.db = db;
        this.transactions = transactions;
        this.events = events;
        this.properties = properties;
        this.workerId = workerId;
    }

    /** 200 ms × 2^(n−1), capped at 10 s: a busy runner gets room, a short outage is retried soon. */
    static Duration backoff(int dispatchAttempts) {
        int exponent = Math.min(Math.max(dispatchAttempts - 1, 0), 16);
        Duration delay = FIRST_BACKOFF.multipliedBy(1L << exponent);
        return delay.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : delay;
    }

    /** The dispatch failed in a way worth retrying: queue the run again with backoff, or fail it when out of tries. */
    void retryOrFail(ClaimedRun run, String reason) {
        int max = properties.dispatchMaxAttempts();
        if (run.dispatchAttempts() >= max) {
            fail(
                    run,
                    "dispatch_failed",
                    "Could not hand the run to a runner after " + run.dispatchAttempts() + " attempts: " + reason);
            return;
        }
        Duration delay = backoff(run.dispatchAttempts());
        transactions.executeWithoutResult(status -> {
            if (cancelIfRequested(run)) {
                return;
            }
            int changed = db.sql("UPDATE runs SET status = 'queued', runner_id = NULL, lease_token = NULL,"
                            + " lease_expires_at = NULL, not_before = now() + make_interval(secs => :delay),"
                            + " updated_at = now()" + FENCE)
                    .param("id", run.runId())
                    .param("token", run.leaseToken())
                    .param("delay", delay.toMillis() / 1000.0)
                    .update();
            if (changed == 1) {
                Map<String, Object> payload = queuedAgain(run, "runner_unavailable");
                payload.put("detail", reason);
                payload.put("retryInMs", delay.toMillis());
                payload.put("dispatchAttempts", run.dispatchAttempts());
                events.append(
                        run.runId(),
                        RunEvents.draft(
                                "run.status_changed",
                                "warn",
                                capitalize(reason) + "; queued again, next try in " + seconds(delay)
                                        + " (dispatch attempt " + run.dispatchAttempts() + " of " + max + ")",
                                payload));
            }
        });
    }

    /** Fails the run at once (dispatch attempts used up, or a configuration error no retry can fix). */
    void fail(ClaimedRun run, String code, String message) {
        transactions.executeWithoutResult(status -> {
            if (cancelIfRequested(run)) {
                return;
            }
            int changed = db.sql("UPDATE runs SET status = 'failed', error_code = :code, error_message = :message,"
                            + " lease_token = NULL, lease_expires_at = NULL, finished_at = now(), updated_at = now()"
                            + FENCE)
                    .param("id", run.runId())
                    .param("token", run.leaseToken())
                    .param("code", code)
                    .param("message", message)
                    .update();
            if (changed == 1) {
                Map<String, Object> changedPayload = new LinkedHashMap<>();
                changedPayload.put("status", "failed");
                changedPayload.put("previousStatus", "provisioning");
                changedPayload.put("runnerId", run.runner().id().toString());
                changedPayload.put("workerId", workerId);
                changedPayload.put("code", code);
                events.append(
                        run.runId(),
                        RunEvents.draft("run.status_changed", "error", message, changedPayload),
                        RunEvents.draft("run.failed", "error", message, Map.of("code", code, "message", message)));
            }
        });
    }

    /**
     * The worker is stopping before it sent the request: give the run back at once, without backoff and without
     * counting the attempt, so another worker takes it immediately.
     */
    void handBack(ClaimedRun run) {
        transactions.executeWithoutResult(status -> {
            if (cancelIfRequested(run)) {
                return;
            }
            int changed = db.sql("UPDATE runs SET status = 'queued', runner_id = NULL, lease_token = NULL,"
                            + " lease_expires_at = NULL, not_before = NULL,"
                            + " dispatch_attempts = greatest(dispatch_attempts - 1, 0), updated_at = now()"
                            + FENCE)
                    .param("id", run.runId())
                    .param("token", run.leaseToken())
                    .update();
            if (changed == 1) {
                events.append(
                        run.runId(),
                        RunEvents.draft(
                                "run.status_changed",
                                "warn",
                                "Worker " + workerId + " is stopping and had not dispatched the run yet; queued again",
                                queuedAgain(run, "worker_stopping")));
            }
        });
    }

    /**
     * A cancel that arrived while the run was being dispatched wins: re-queueing it would start a run its user
     * already gave up on. The API only marks active runs; ending this one is the worker's job.
     */
    private boolean cancelIfRequested(ClaimedRun run) {
        String message = "Cancelled before a runner started it";
        int changed = db.sql("UPDATE runs SET status = 'cancelled', error_code = 'cancelled', error_message = :message,"
                        + " lease_token = NULL, lease_expires_at = NULL, finished_at = now(), updated_at = now()"
                        + FENCE + " AND cancel_requested_at IS NOT NULL")
                .param("id", run.runId())
                .param("token", run.leaseToken())
                .param("message", message)
                .update();
        if (changed == 1) {
            events.append(
                    run.runId(),
                    RunEvents.draft(
                            "run.cancelled",
                            "warn",
                            message,
                            Map.of("status", "cancelled", "previousStatus", "provisioning")));
        }
        return changed == 1;
    }

    private Map<String, Object> queuedAgain(ClaimedRun run, String reason) {
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("status", "queued");
        payload.put("previousStatus", "provisioning");
        payload.put("runnerId", run.runner().id().toString());
        payload.put("workerId", workerId);
        payload.put("reason", reason);
        return payload;
    }

    private static String seconds(Duration delay) {
        return String.format(java.util.Locale.ROOT, "%.1f s", delay.toMillis() / 1000.0);
    }

    private static String capitalize(String text) {
        return text.isEmpty() ? text : Character.toUpperCase(text.charAt(0)) + text.substring(1);
    }
}
