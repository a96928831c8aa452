package dev.agentcenter.support.ledger;

import dev.agentcenter.model.RunEventTypes;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Records why each queued run is still queued ({@code runs.waiting_for}), after every claim round, so the API can
 * show the queue with its reasons without repeating the claim's logic. In the order the claim checks them:
 *
 * <ul>
 *   <li>{@code backoff}: a dispatch failed and the run waits out its retry delay;
 *   <li>{@code workspace_limit} / {@code repository_limit}: its workspace / repository connection has
 *       {@code maxConcurrentRuns} runs active;
 *   <li>{@code runner:<id>}: the runner holding the task's workspace is busy (workspace affinity);
 *   <li>{@code runner_capacity}: no usable runner has a free slot;
 *   <li>NULL: nothing holds it back; the next claim round takes it.
 * </ul>
 *
 * <p>A change to a limit or affinity reason is also written as a {@code run.waiting} event (capacity and backoff are
 * not: a burst of queued runs would write one each for nothing), and announced on {@code tasks_changed} so UIs refresh.
 * Rows another worker is claiming or updating are skipped ({@code SKIP LOCKED}); the next round gets them.
 */
public final class WaitingReasons {

    private static final String REFRESH = """
            WITH q AS (
                SELECT r.id, r.task_id, r.waiting_for AS before,
                       CASE WHEN r.not_before > now() THEN 'backoff'
                            WHEN w.max_concurrent_runs IS NOT NULL
                                 AND """ + ClaimRules.WORKSPACE_ACTIVE + """
             >= w.max_concurrent_runs THEN 'workspace_limit'
                            WHEN c.max_concurrent_runs IS NOT NULL
                                 AND """ + ClaimRules.REPOSITORY_ACTIVE + """
             >= c.max_concurrent_runs THEN 'repository_limit'
                            WHEN home.id IS NOT NULL AND """
            + ClaimRules.REHOME_REASON + """
             IS NULL AND NOT (home.status = 'online' AND home.capacity > (
                                     SELECT count(*) FROM runs x
                                      WHERE x.runner_id = home.id
                                        AND x.status IN ('provisioning', 'cloning', 'running')))
                                 THEN 'runner:' || home.id
                            WHEN NOT EXISTS (
                                SELECT 1 FROM runners rn
                                 WHERE rn.status = 'online' AND rn.drain_requested_at IS NULL
                                   AND rn.last_heartbeat_at > now() - make_interval(secs => :stale)
                                   AND rn.capacity > (SELECT count(*) FROM runs x
                                                       WHERE x.runner_id = rn.id
                                                         AND x.status IN ('provisioning', 'cloning', 'running')))
                                 THEN 'runner_capacity'
                       END AS reason,
                       home.name AS home_name
                  FROM runs r
                  JOIN tasks t ON t.id = r.task_id
                  JOIN workspaces w ON w.id = t.workspace_id
                  LEFT JOIN repo_connections c ON c.id = t.repo_connection_id
                  LEFT JOIN runners home ON home.id = t.workspace_runner_id
                 WHERE r.status = 'queued'
                 ORDER BY r.queued_at, r.id
                 LIMIT :limit
                 FOR UPDATE OF r SKIP LOCKED)
            UPDATE runs u SET waiting_for = q.reason
              FROM q
             WHERE u.id = q.id AND u.waiting_for IS DISTINCT FROM q.reason
            RETURNING u.id, u.task_id, q.reason, q.before, q.home_name""";

    private final JdbcClient db;
    private final RunEvents events;

    /** Statements run on {@code db} and events are appended through {@code events}: both in the caller's transaction. */
    public WaitingReasons(JdbcClient db, RunEvents events) {
        this.db = db;
        this.events = events;
    }

    private record Change(UUID runId, UUID taskId, String reason, String before, String homeName) {}

    /**
     * Brings the reasons of the oldest {@code limit} queued runs up to date; returns how many changed.
     *
     * @param runnerStaleAfter a runner not heard from for this long is offline
     * @param affinityMaxWait how long a run waits for the runner holding its task's workspace
     */
    public int refresh(Duration runnerStaleAfter, Duration affinityMaxWait, int limit) {
        List<Change> changes = db.sql(REFRESH)
                .param("stale", (double) runnerStaleAfter.toMillis() / 1000)
                .param("affinityWait", (double) affinityMaxWait.toSeconds())
                .param("limit", limit)
                .query((rs, row) -> new Change(
                        rs.getObject("id", UUID.class),
                        rs.getObject("task_id", UUID.class),
                        rs.getString("reason"),
                        rs.getString("before"),
                        rs.getString("home_name")))
                .list();
        for (Change change : changes) {
            if (change.reason() != null
                    && !change.reason().equals("runner_capacity")
                    && !change.reason().equals("backoff")) {
                Map<String, Object> payload = new LinkedHashMap<>();
                payload.put("waitingFor", change.reason());
                if (change.reason().startsWith("runner:")) {
                    payload.put("runnerId", change.reason().substring("runner:".length()));
                    payload.put("runnerName", change.homeName());
                    payload.put("maxWaitSeconds", affinityMaxWait.toSeconds());
                }
                events.append(
                        change.runId(),
                        RunEvents.draft(RunEventTypes.RUN_WAITING, "info", message(change, affinityMaxWait), payload));
            }
            db.sql("SELECT pg_notify('tasks_changed', :task)")
                    .param("task", change.taskId().toString())
                    .query()
                    .singleRow();
        }
        return changes.size();
    }

    private static String message(Change change, Duration affinityMaxWait) {
        return switch (change.reason()) {
            case "workspace_limit" -> "Waiting: the workspace has its maximum of concurrent runs active";
            case "repository_limit" -> "Waiting: the repository connection has its maximum of concurrent runs active";
            default ->
                "Waiting for runner " + change.homeName() + ", which holds this task's workspace and is busy (at most "
                        + affinityMaxWait.toSeconds() + " s, then the run is re-homed)";
        };
    }
}
