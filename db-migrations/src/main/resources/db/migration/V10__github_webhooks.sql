-- GitHub in the loop (issue 18): webhook intake that starts and continues tasks, and outbound notices when runs end.

-- Per repository connection: the webhook secret (AES-GCM, sealed like the connection's token and bound to the
-- connection row: SecretBinding.webhookSecret) and which triggers are on (api-service GitHubSettings, as JSON).
CREATE TABLE github_settings (
    repo_connection_id        uuid PRIMARY KEY REFERENCES repo_connections (id) ON DELETE CASCADE,
    webhook_secret_ciphertext bytea,
    settings                  jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(settings) = 'object'),
    created_at                timestamptz NOT NULL DEFAULT now(),
    updated_at                timestamptz NOT NULL DEFAULT now()
);

-- Every verified delivery, once: the key makes a redelivery (same X-GitHub-Delivery) create nothing new. Written in
-- the same transaction as the work it caused, so a delivery is either fully taken in or not at all.
CREATE TABLE github_deliveries (
    repo_connection_id uuid NOT NULL REFERENCES repo_connections (id) ON DELETE CASCADE,
    delivery_id        text NOT NULL CHECK (length(delivery_id) BETWEEN 1 AND 200),
    event              text NOT NULL,
    action             text,
    -- task_created | follow_up_queued | feedback_pending | ignored
    outcome            text NOT NULL,
    detail             text,
    task_id            uuid REFERENCES tasks (id) ON DELETE SET NULL,
    received_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (repo_connection_id, delivery_id)
);
CREATE INDEX github_deliveries_received_idx ON github_deliveries (repo_connection_id, received_at DESC);

-- The issue a task was started from: one task per issue and connection, so a second label or command continues it.
CREATE TABLE github_task_links (
    task_id             uuid PRIMARY KEY REFERENCES tasks (id) ON DELETE CASCADE,
    repo_connection_id  uuid NOT NULL REFERENCES repo_connections (id) ON DELETE CASCADE,
    issue_number        integer NOT NULL CHECK (issue_number > 0),
    created_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT github_task_links_issue_key UNIQUE (repo_connection_id, issue_number)
);

-- Feedback waiting for a task's next follow-up (review comments, failed checks, commands). One row per task: feedback
-- that arrives while a run is active is folded in here, and the API queues one follow-up with all of it once the task
-- has no active run and the feedback has been quiet for a moment (a review's comments arrive as several deliveries).
CREATE TABLE github_pending_feedback (
    task_id       uuid PRIMARY KEY REFERENCES tasks (id) ON DELETE CASCADE,
    items         jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(items) = 'array'),
    first_at      timestamptz NOT NULL DEFAULT now(),
    last_at       timestamptz NOT NULL DEFAULT now()
);
-- How many follow-ups GitHub feedback has queued for a task: a cap (maxFollowUps) stops an endless fix/fail loop.
CREATE TABLE github_follow_up_counts (
    task_id uuid PRIMARY KEY REFERENCES tasks (id) ON DELETE CASCADE,
    count   integer NOT NULL DEFAULT 0 CHECK (count >= 0)
);

-- Outbound webhooks of a workspace: signed JSON (HMAC-SHA256 with the sealed secret) when a run ends.
CREATE TABLE webhook_endpoints (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id      uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    url               text NOT NULL CHECK (url ~ '^https?://' AND length(url) <= 2000),
    secret_ciphertext bytea NOT NULL,
    enabled           boolean NOT NULL DEFAULT true,
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_endpoints_workspace_idx ON webhook_endpoints (workspace_id, created_at DESC, id DESC);

-- The outbox of everything sent when a run ends: one row per message, written by the trigger below in the transaction
-- that ends the run (whichever service ends it), sent by the worker, retried with backoff; rows, not memory, so a
-- restart loses nothing. The body is fixed at the first attempt, so every retry carries the same signed bytes.
CREATE TABLE outbound_deliveries (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    run_id           uuid NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    -- webhook: a workspace endpoint; github_comment: a comment on the issue or pull request; github_status: a commit
    -- status on the pull request's head
    target           text NOT NULL CHECK (target IN ('webhook', 'github_comment', 'github_status')),
    endpoint_id      uuid REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event            text NOT NULL,
    status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed', 'skipped')),
    attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    request_body     text,
    last_status_code integer,
    last_error       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    finished_at      timestamptz,
    CONSTRAINT outbound_deliveries_endpoint CHECK ((target = 'webhook') = (endpoint_id IS NOT NULL)),
    CONSTRAINT outbound_deliveries_once UNIQUE NULLS NOT DISTINCT (run_id, target, endpoint_id)
);
CREATE INDEX outbound_deliveries_due_idx ON outbound_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX outbound_deliveries_endpoint_idx ON outbound_deliveries (endpoint_id, created_at DESC);

CREATE FUNCTION runs_queue_outbound() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status IN ('completed', 'failed', 'cancelled')
       AND OLD.status NOT IN ('completed', 'failed', 'cancelled') THEN
        INSERT INTO outbound_deliveries (run_id, target, endpoint_id, event)
        SELECT NEW.id, 'webhook', e.id, 'run.' || NEW.status
          FROM webhook_endpoints e JOIN tasks t ON t.workspace_id = e.workspace_id
         WHERE t.id = NEW.task_id AND e.enabled
        ON CONFLICT DO NOTHING;
        -- GitHub hears about runs of tasks that came from GitHub or opened a pull request there, on connections that
        -- were set up for GitHub's webhooks (a github_settings row): nobody else gets comments they never asked for
        IF EXISTS (SELECT 1 FROM tasks t
                    WHERE t.id = NEW.task_id
                      AND EXISTS (SELECT 1 FROM github_settings s WHERE s.repo_connection_id = t.repo_connection_id)
                      AND (EXISTS (SELECT 1 FROM github_task_links l WHERE l.task_id = t.id)
                           OR EXISTS (SELECT 1 FROM runs r WHERE r.task_id = t.id
                                                           AND r.pull_request_number IS NOT NULL))) THEN
            INSERT INTO outbound_deliveries (run_id, target, event)
            VALUES (NEW.id, 'github_comment', 'run.' || NEW.status), (NEW.id, 'github_status', 'run.' || NEW.status)
            ON CONFLICT DO NOTHING;
        END IF;
        PERFORM pg_notify('outbound_queued', NEW.id::text);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER runs_queue_outbound
    AFTER UPDATE OF status ON runs
    FOR EACH ROW EXECUTE FUNCTION runs_queue_outbound();
