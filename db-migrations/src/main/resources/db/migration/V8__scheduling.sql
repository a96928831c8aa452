-- Where a run may go (worker RunClaimer): workspace affinity, draining, concurrency limits, and why a run waits.

-- At most this many runs of the workspace / of tasks on this repository connection are active (provisioning,
-- cloning, running) at once; NULL means no limit. Enforced by the worker's claim under the row's lock.
ALTER TABLE workspaces
    ADD COLUMN max_concurrent_runs integer CHECK (max_concurrent_runs BETWEEN 1 AND 10000);
ALTER TABLE repo_connections
    ADD COLUMN max_concurrent_runs integer CHECK (max_concurrent_runs BETWEEN 1 AND 10000);

-- The runner that holds the task's workspace (and its agent's session files): set by that runner when it prepares
-- the workspace. Later runs of the task are claimed only for it while it is alive and not drained.
ALTER TABLE tasks
    ADD COLUMN workspace_runner_id uuid REFERENCES runners (id) ON DELETE SET NULL;

-- An operator's drain (POST /api/runners/{id}/drain): kept apart from runners.status, which the runner's own
-- heartbeat rewrites every few seconds.
ALTER TABLE runners
    ADD COLUMN drain_requested_at timestamptz;

ALTER TABLE runs
    -- Why a queued run is not running yet, as the worker last saw it: workspace_limit, repository_limit,
    -- runner:<id> (the runner holding the task's workspace is busy), runner_capacity, backoff; NULL otherwise.
    ADD COLUMN waiting_for text,
    -- Set at claim when the run goes to another runner than the one holding the task's workspace: the runner
    -- starts from a fresh workspace (and clones again) instead of reusing a stale copy it may hold.
    ADD COLUMN rehomed_from_runner_id uuid;
