package dev.agentcenter.worker.queue;

import dev.agentcenter.model.RunEventTypes;
import dev.agentcenter.support.ledger.ClaimRules;
import dev.agentcenter.support.ledger.Dispatches;
import dev.agentcenter.support.ledger.RunEventWriter.Draft;
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
 * LOCKED}, so workers never wait for each other's runs.
 *
 * <p><b>Concurrency limits</b> ({@code workspaces.max_concurrent_runs}, {@code repo_connections.max_concurrent_runs})
 * work the same way: a run under a limit is taken only after its workspace's (then its connection's) row is locked
 * and the active runs there counted again. Lock order is always runner → workspace → connection, and one transaction
 * takes at most one workspace and one connection lock (a batch that would need another ends and a new transaction
 * begins), so two workers can wait for each other's rows but never in a cycle.
 *
 * <p><b>Workspace affinity</b>: a task's workspace (and its agent's session files) lives on the runner that prepared
 * it ({@code tasks.workspace_runner_id}). A later run of the task is taken only for that runner while it is alive
 * (heartbeat within {@code RUNNER_STALE_AFTER_SECONDS}), not drained, and the run has waited less than
 * {@code WORKER_AFFINITY_MAX_WAIT_SECONDS}; otherwise any runner may take it, and the claim records a
 * {@code run.rehomed} event and {@code runs.rehomed_from_runner_id} so the new runner starts from a fresh workspace.
 */
final class RunClaimer {

    private static final String ACTIVE = "('provisioning', 'cloning', 'running')";

    private static final String ACTIVE_COUNT = """
            (SELECT count(*) FROM runs r
              WHERE r.runner_id = rn.id AND r.status IN ('provisioning', 'cloning', 'running'))""";

    /** A runner that may take new runs: online by its own heartbeat, heard from recently, not drained. */
    private static final String RUNNER_USABLE = "rn.status = 'online' AND rn.drain_requested_at IS NULL"
            + " AND rn.last_heartbeat_at > now() - make_interval(secs => :stale)";

    /**
     * The next queued run this runner may take, in queue order: not in backoff, not bound to another live runner,
     * and (by a count without locks, checked again under the row's lock) within its workspace's and repository
     * connection's limits.
     */
    private static final String NEXT = """
            SELECT r.id, r.task_id, t.workspace_id, t.repo_connection_id,
                   w.max_concurrent_runs AS workspace_limit, c.max_concurrent_runs AS repository_limit,
                   home.id AS home_id, home.name AS home_name, """ + ClaimRules.REHOME_REASON + """
             AS rehome_reason
              FROM runs r
              JOIN tasks t ON t.id = r.task_id
              JOIN workspaces w ON w.id = t.workspace_id
              LEFT JOIN repo_connections c ON c.id = t.repo_connection_id
              LEFT JOIN runners home ON home.id = t.workspace_runner_id
             WHERE r.status = 'queued' AND (r.not_before IS NULL OR r.not_before <= now())
               AND r.id <> ALL (CAST(:skip AS uuid[]))
               AND (home.id IS NULL OR home.id = :runnerId OR """ + ClaimRules.REHOME_REASON + """
             IS NOT NULL)
               AND (w.max_concurrent_runs IS NULL OR """
            + ClaimRules.WORKSPACE_ACTIVE + """
             < w.max_concurrent_runs)
               AND (c.max_concurrent_runs IS NULL OR """ + ClaimRules.REPOSITORY_ACTIVE + """
             < c.max_concurrent_runs)
             ORDER BY r.queued_at, r.id
             LIMIT 1
             FOR UPDATE OF r SKIP LOCKED""";

    /** A queued run {@link #NEXT} found, with what its claim must check and say. */
    private record Candidate(
            UUID id,
            UUID workspaceId,
            UUID repositoryId,
            Integer workspaceLimit,
            Integer repositoryLimit,
            UUID homeId,
            String homeName,
            String rehomeReason) {}

    private final JdbcClient db;
    private final TransactionTemplate transactions;
    private final Dispatches dispatches;
    private final WorkerProperties properties;
    private final SchedulingProperties scheduling;
    private final String workerId;

    RunClaimer(
            JdbcClient db,
            TransactionTemplate transactions,
            RunEvents events,
            WorkerProperties properties,
            SchedulingProperties scheduling,
            String workerId) {
        this.db = db;
        this.transactions = transactions;
        this.dispatches = new Dispatches(db, events);
        this.properties = properties;
        this.scheduling = scheduling;
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
     * Runners that are online, heard from recently, not drained and have free slots, most free slots first. The
     * count is an estimate taken without locks; {@link #claim} counts again under the runner's lock.
     */
    List<RunnerTarget> runnersWithFreeSlots() {
        return db.sql("SELECT * FROM (SELECT rn.id, rn.name, rn.base_url, rn.capacity - " + ACTIVE_COUNT
                        + " AS free FROM runners rn WHERE " + RUNNER_USABLE + ") s"
                        + " WHERE free > 0 ORDER BY free DESC, random()")
                .param("stale", staleSeconds())
                .query((rs, row) -> new RunnerTarget(
                        rs.getObject("id", UUID.class),
                        rs.getString("name"),
                        rs.getString("base_url"),
                        rs.getInt("free")))
                .list();
    }

    /**
     * Claims up to {@code max} runs for the runner, each with its claim event (and {@code run.rehomed} event) in the
     * transaction that claims it. Usually one transaction; more when runs under different concurrency limits follow
     * each other (see the class comment).
     *
     * @return the runs claimed; fewer than {@code max} when the queue or the runner's slots ran out
     */
    List<ClaimedRun> claim(RunnerTarget runner, int max) {
        List<ClaimedRun> claimed = new ArrayList<>();
        List<UUID> skip = new ArrayList<>();
        while (claimed.size() < max) {
            Batch batch = transactions.execute(status -> claimBatch(runner, max - claimed.size(), skip));
            if (batch == null) {
                break;
            }
            claimed.addAll(batch.runs());
            if (!batch.moreUnderAnotherLimit()) {
                break;
            }
        }
        return claimed;
    }

    /** What one transaction claimed, and whether it stopped only because the next run needs other limit locks. */
    private record Batch(List<ClaimedRun> runs, boolean moreUnderAnotherLimit) {}

    private Batch claimBatch(RunnerTarget runner, int max, List<UUID> skip) {
        // A runner row held for long (should not happen) must not stall this worker's whole loop.
        db.sql("SET LOCAL lock_timeout = '30s'").update();
        boolean stillEligible = db.sql(
                        "SELECT 1 FROM runners rn WHERE rn.id = :id AND " + RUNNER_USABLE + " FOR NO KEY UPDATE")
                .param("id", runner.id())
                .param("stale", staleSeconds())
                .query(Integer.class)
                .optional()
                .isPresent();
        if (!stillEligible) {
            return new Batch(List.of(), false);
        }
        int free = db.sql("SELECT rn.capacity - " + ACTIVE_COUNT + " FROM runners rn WHERE rn.id = :id")
                .param("id", runner.id())
                .query(Integer.class)
                .single();
        int n = Math.min(max, free);
        List<ClaimedRun> runs = new ArrayList<>();
        // The workspace / connection rows this transaction locked: at most one of each (see the class comment).
        UUID lockedWorkspace = null;
        UUID lockedRepository = null;
        while (runs.size() < n) {
            Candidate next = next(runner, skip);
            if (next == null) {
                return new Batch(runs, false);
            }
            UUID workspaceLock = next.workspaceLimit() == null ? null : next.workspaceId();
            UUID repositoryLock = next.repositoryLimit() == null ? null : next.repositoryId();
            boolean holdsLocks = lockedWorkspace != null || lockedRepository != null;
            boolean needsOtherLocks = (workspaceLock != null && !workspaceLock.equals(lockedWorkspace))
                    || (repositoryLock != null && !repositoryLock.equals(lockedRepository));
            if (holdsLocks && needsOtherLocks) {
                // Taking more locks now could close a cycle with another worker: commit, then take them first thing.
                return new Batch(runs, true);
            }
            if (workspaceLock != null && lockedWorkspace == null) {
                lockRow("workspaces", workspaceLock);
                lockedWorkspace = workspaceLock;
            }
            if (repositoryLock != null && lockedRepository == null) {
                lockRow("repo_connections", repositoryLock);
                lockedRepository = repositoryLock;
            }
            if (!withinLimits(next)) {
                skip.add(next.id()); // another worker filled the limit since NEXT counted; this round leaves it
                continue;
            }
            runs.add(claimOne(runner, next));
        }
        return new Batch(runs, false);
    }

    private Candidate next(RunnerTarget runner, List<UUID> skip) {
        return db.sql(NEXT)
                .param(
                        "skip",
                        "{" + String.join(",", skip.stream().map(UUID::toString).toList()) + "}")
                .param("runnerId", runner.id())
                .param("stale", staleSeconds())
                .param("affinityWait", (double) scheduling.affinityMaxWait().toSeconds())
                .query((rs, row) -> new Candidate(
                        rs.getObject("id", UUID.class),
                        rs.getObject("workspace_id", UUID.class),
                        rs.getObject("repo_connection_id", UUID.class),
                        (Integer) rs.getObject("workspace_limit"),
                        (Integer) rs.getObject("repository_limit"),
                        rs.getObject("home_id", UUID.class),
                        rs.getString("home_name"),
                        rs.getString("rehome_reason")))
                .optional()
                .orElse(null);
    }

    private void lockRow(String table, UUID id) {
        db.sql("SELECT 1 FROM " + table + " WHERE id = :id FOR NO KEY UPDATE")
                .param("id", id)
                .query(Integer.class)
                .optional();
    }

    /** Counts again under the limit rows' locks: a new statement, so it sees every claim committed before them. */
    private boolean withinLimits(Candidate run) {
        return db.sql("SELECT (w.max_concurrent_runs IS NULL OR " + ClaimRules.WORKSPACE_ACTIVE
                        + " < w.max_concurrent_runs)"
                        + " AND (c.max_concurrent_runs IS NULL OR " + ClaimRules.REPOSITORY_ACTIVE
                        + " < c.max_concurrent_runs)"
                        + " FROM runs r JOIN tasks t ON t.id = r.task_id JOIN workspaces w ON w.id = t.workspace_id"
                        + " LEFT JOIN repo_connections c ON c.id = t.repo_connection_id WHERE r.id = :id")
                .param("id", run.id())
                .query(Boolean.class)
                .single();
    }

    private ClaimedRun claimOne(RunnerTarget runner, Candidate next) {
        boolean rehomed = next.homeId() != null && !next.homeId().equals(runner.id());
        Dispatches.Claimed run = dispatches.claim(
                next.id(), runner.id(), properties.runLease(), rehomed ? next.homeId() : null, claimed -> {
                    List<Draft> drafts = new ArrayList<>();
                    if (rehomed) {
                        Map<String, Object> payload = new LinkedHashMap<>();
                        payload.put("reason", next.rehomeReason());
                        payload.put("fromRunnerId", next.homeId().toString());
                        payload.put("fromRunnerName", next.homeName());
                        payload.put("toRunnerId", runner.id().toString());
                        payload.put("toRunnerName", runner.name());
                        payload.put("workspace", next.repositoryId() == null ? "empty" : "recloned");
                        payload.put("agentSession", "new");
                        drafts.add(RunEvents.draft(
                                RunEventTypes.RUN_REHOMED, "warn", rehomeMessage(next, runner), payload));
                    }
                    Map<String, Object> payload = new LinkedHashMap<>();
                    payload.put("status", "provisioning");
                    payload.put("previousStatus", "queued");
                    payload.put("runnerId", runner.id().toString());
                    payload.put("workerId", workerId);
                    payload.put("dispatchAttempt", claimed.dispatchAttempts());
                    drafts.add(RunEvents.draft(
                            RunEventTypes.RUN_STATUS_CHANGED,
                            "info",
                            "Claimed by worker " + workerId + "; dispatching to runner " + runner.name(),
                            payload));
                    return drafts;
                });
        return new ClaimedRun(run.runId(), run.attempt(), run.leaseToken(), run.dispatchAttempts(), runner);
    }

    private static String rehomeMessage(Candidate run, RunnerTarget to) {
        String why = switch (run.rehomeReason()) {
            case "runner_drained" -> "was drained";
            case "runner_offline" -> "is offline";
            case "affinity_wait_expired" -> "stayed busy past WORKER_AFFINITY_MAX_WAIT_SECONDS";
            default -> "is unavailable";
        };
        String workspace = run.repositoryId() == null
                ? "starts from an empty workspace: files left by earlier runs stay on " + run.homeName()
                : "clones the repository again at the task's branch (pushed commits are kept; uncommitted files stay"
                        + " on " + run.homeName() + ")";
        return "Runner " + run.homeName() + ", which holds this task's workspace, " + why + ". Re-homed to runner "
                + to.name() + ", which " + workspace + "; the agent starts a new session.";
    }

    private double staleSeconds() {
        return (double) properties.runnerStaleAfter().toMillis() / 1000;
    }
}
