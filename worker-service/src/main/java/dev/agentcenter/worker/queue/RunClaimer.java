package dev.agentcenter.worker.queue;

import dev.agentcenter.model.RunEventTypes;
import dev.agentcenter.support.ledger.Dispatches;
import dev.agentcenter.support.ledger.RunEvents;
import dev.agentcenter.worker.WorkerProperties;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Takes queued runs for runners with free slots. Free slots are derived every time (capacity minus the runner's
 * runs in provisioning/cloning/running), never kept as a counter that could drift.
 *
 * <p>Two workers must not both fill the same free slot. Each claim therefore locks the runner's row first and only
 * then counts its active runs: in READ COMMITTED the count is a new statement with a new snapshot, which sees every
 * claim committed by whoever held the lock before. The runs themselves are taken with {@code FOR UPDATE SKIP
 * LOCKED} by the ledger's {@link Dispatches#CLAIM}, so workers never wait for each other's runs.
 */
final class RunClaimer {

    private static final String ACTIVE_COUNT = """
            (SELECT count(*) FROM runs r
              WHERE r.runner_id = rn.id AND r.status IN ('provisioning', 'cloning', 'running'))""";

    private final JdbcClient db;
    private final TransactionTemplate transactions;
    private final Dispatches dispatches;
    private final WorkerProperties properties;
    private final String workerId;

    RunClaimer(
            JdbcClient db,
            TransactionTemplate transactions,
            RunEvents events,
            WorkerProperties properties,
            String workerId) {
        this.db = db;
        this.transactions = transactions;
        this.dispatches = new Dispatches(db, events);
        this.properties = properties;
        this.workerId = workerId;
    }

    /** Whether any run could be claimed now (queued, and not waiting for its backoff to pass). */
    boolean anyClaimable() {
        return db.sql("""
                        SELECT EXISTS (SELECT 1 FROM runs
                                        WHERE status = 'queued' AND (not_before IS NULL OR not_before <= now()))""").query(Boolean.class).single();
    }

    /** How long until the earliest queued run's backoff ends, if one is waiting for that. */
    OptionalLong millisUntilNextBackoffEnds() {
        Long millis = db.sql("""
                        SELECT ceil(extract(epoch FROM min(not_before) - now()) * 1000)::bigint
                          FROM runs WHERE status = 'queued' AND not_before > now()""").query(Long.class).optional().orElse(null);
        return millis == null ? OptionalLong.empty() : OptionalLong.of(Math.max(0, millis));
    }

    /**
     * Runners that are online, heard from recently and have free slots, most free slots first. The count is an
     * estimate taken without locks; {@link #claim} counts again under the runner's lock.
     */
    List<RunnerTarget> runnersWithFreeSlots() {
        return db.sql("SELECT * FROM (SELECT rn.id, rn.name, rn.base_url, rn.capacity - " + ACTIVE_COUNT
                        + " AS free FROM runners rn WHERE rn.status = 'online'"
                        + " AND rn.last_heartbeat_at > now() - make_interval(secs => :stale)) s"
                        + " WHERE free > 0 ORDER BY free DESC, random()")
                .param("stale", (double) properties.runnerStaleAfter().toMillis() / 1000)
                .query((rs, row) -> new RunnerTarget(
                        rs.getObject("id", UUID.class),
                        rs.getString("name"),
                        rs.getString("base_url"),
                        rs.getInt("free")))
                .list();
    }

    /**
     * Claims up to {@code max} runs for the runner, in one transaction with their claim events.
     *
     * @return the runs claimed; fewer than {@code max} when the queue or the runner's slots ran out
     */
    List<ClaimedRun> claim(RunnerTarget runner, int max) {
        List<ClaimedRun> claimed = transactions.execute(status -> {
            // A runner row held for long (should not happen) must not stall this worker's whole loop.
            db.sql("SET LOCAL lock_timeout = '30s'").update();
            boolean stillEligible = db.sql("""
                            SELECT 1 FROM runners WHERE id = :id AND status = 'online'
                               AND last_heartbeat_at > now() - make_interval(secs => :stale)
                               FOR NO KEY UPDATE""")
                    .param("id", runner.id())
                    .param("stale", (double) properties.runnerStaleAfter().toMillis() / 1000)
                    .query(Integer.class)
                    .optional()
                    .isPresent();
            if (!stillEligible) {
                return List.of();
            }
            int free = db.sql("SELECT rn.capacity - " + ACTIVE_COUNT + " FROM runners rn WHERE rn.id = :id")
                    .param("id", runner.id())
                    .query(Integer.class)
                    .single();
            int n = Math.min(max, free);
            if (n <= 0) {
                return List.of();
            }
            return dispatches
                    .claim(runner.id(), n, properties.runLease(), run -> {
                        Map<String, Object> payload = new LinkedHashMap<>();
                        payload.put("status", "provisioning");
                        payload.put("previousStatus", "queued");
                        payload.put("runnerId", runner.id().toString());
                        payload.put("workerId", workerId);
                        payload.put("dispatchAttempt", run.dispatchAttempts());
                        return RunEvents.draft(
                                RunEventTypes.RUN_STATUS_CHANGED,
                                "info",
                                "Claimed by worker " + workerId + "; dispatching to runner " + runner.name(),
                                payload);
                    })
                    .stream()
                    .map(run -> new ClaimedRun(
                            run.runId(), run.attempt(), run.leaseToken(), run.dispatchAttempts(), runner))
                    .toList();
        });
        return claimed == null ? List.of() : new ArrayList<>(claimed);
    }
}
