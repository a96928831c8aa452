package dev.agentcenter.worker.queue;

import dev.agentcenter.model.RunEventTypes;
import dev.agentcenter.support.ledger.Dispatches;
import dev.agentcenter.support.ledger.RunEvents;
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
 * <p>The writes are the ledger's ({@link Dispatches}), fenced so that a run the runner did start is left alone; its
 * events are written in the same transaction, only when the statement matched. This class decides which outcome.
 */
final class DispatchOutcomes {

    static final Duration FIRST_BACKOFF = Duration.ofMillis(200);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(10);

    private final TransactionTemplate transactions;
    private final Dispatches dispatches;
    private final WorkerProperties properties;
    private final String workerId;

    DispatchOutcomes(
            JdbcClient db,
            TransactionTemplate transactions,
            RunEvents events,
            WorkerProperties properties,
            String workerId) {
        this.transactions = transactions;
        this.dispatches = new Dispatches(db, events);
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
            Map<String, Object> payload = queuedAgain(run, "runner_unavailable");
            payload.put("detail", reason);
            payload.put("retryInMs", delay.toMillis());
            payload.put("dispatchAttempts", run.dispatchAttempts());
            dispatches.requeue(
                    run.runId(),
                    run.leaseToken(),
                    delay,
                    RunEvents.draft(
                            RunEventTypes.RUN_STATUS_CHANGED,
                            "warn",
                            capitalize(reason) + "; queued again, next try in " + seconds(delay) + " (dispatch attempt "
                                    + run.dispatchAttempts() + " of " + max + ")",
                            payload));
        });
    }

    /** Fails the run at once (dispatch attempts used up, or a configuration error no retry can fix). */
    void fail(ClaimedRun run, String code, String message) {
        transactions.executeWithoutResult(status -> {
            if (cancelIfRequested(run)) {
                return;
            }
            Map<String, Object> changedPayload = new LinkedHashMap<>();
            changedPayload.put("status", "failed");
            changedPayload.put("previousStatus", "provisioning");
            changedPayload.put("runnerId", run.runner().id().toString());
            changedPayload.put("workerId", workerId);
            changedPayload.put("code", code);
            dispatches.fail(
                    run.runId(),
                    run.leaseToken(),
                    code,
                    message,
                    RunEvents.draft(RunEventTypes.RUN_STATUS_CHANGED, "error", message, changedPayload),
                    RunEvents.draft(
                            RunEventTypes.RUN_FAILED, "error", message, Map.of("code", code, "message", message)));
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
            dispatches.handBack(
                    run.runId(),
                    run.leaseToken(),
                    RunEvents.draft(
                            RunEventTypes.RUN_STATUS_CHANGED,
                            "warn",
                            "Worker " + workerId + " is stopping and had not dispatched the run yet; queued again",
                            queuedAgain(run, "worker_stopping")));
        });
    }

    /**
     * A cancel that arrived while the run was being dispatched wins: re-queueing it would start a run its user
     * already gave up on. The API only marks active runs; ending this one is the worker's job.
     */
    private boolean cancelIfRequested(ClaimedRun run) {
        String message = "Cancelled before a runner started it";
        return dispatches.cancelIfRequested(
                run.runId(),
                run.leaseToken(),
                message,
                RunEvents.draft(
                        RunEventTypes.RUN_CANCELLED,
                        "warn",
                        message,
                        Map.of("status", "cancelled", "previousStatus", "provisioning")));
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
