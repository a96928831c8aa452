package dev.agentcenter.support.ledger;

/**
 * SQL fragments of the claim's rules, shared by the worker's claim and {@link WaitingReasons} so that a run's
 * waiting reason is decided by the same conditions as its claim. They expect {@code r} (the run), {@code t} (its
 * task) and, for {@link #REHOME_REASON}, {@code home} (the runner holding the task's workspace, LEFT JOIN), and the
 * parameters {@code :stale} and {@code :affinityWait} in seconds.
 */
public final class ClaimRules {

    private static final String ACTIVE = "('provisioning', 'cloning', 'running')";

    public static final String WORKSPACE_ACTIVE = " (SELECT count(*) FROM runs a JOIN tasks aw ON aw.id = a.task_id"
            + " WHERE aw.workspace_id = t.workspace_id AND a.status IN " + ACTIVE + ") ";

    public static final String REPOSITORY_ACTIVE = " (SELECT count(*) FROM runs a JOIN tasks aw ON aw.id = a.task_id"
            + " WHERE aw.repo_connection_id = t.repo_connection_id AND a.status IN " + ACTIVE + ") ";

    /**
     * Why the runner holding the task's workspace no longer binds the run (NULL: it still does, or there is none).
     * Shared with {@link WaitingReasons}; {@code home} is the task's workspace runner (LEFT JOIN).
     */
    public static final String REHOME_REASON = " (" + """
            CASE WHEN home.id IS NULL THEN NULL
                 WHEN home.drain_requested_at IS NOT NULL THEN 'runner_drained'
                 WHEN home.last_heartbeat_at <= now() - make_interval(secs => :stale) THEN 'runner_offline'
                 WHEN r.queued_at <= now() - make_interval(secs => :affinityWait) THEN 'affinity_wait_expired'
            END""" + ") ";

    private ClaimRules() {}
}
