-- Agent Center schema: the whole product contract (SPEC.md), owned by this module alone.
-- Statuses and modes are text + CHECK rather than Postgres enums: adding a value is then a one-line,
-- transaction-safe migration.

CREATE TABLE workspaces (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    slug        text NOT NULL CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 64),
    name        text NOT NULL CHECK (length(btrim(name)) > 0),
    description text,
    metadata    jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT workspaces_slug_key UNIQUE (slug)
);
CREATE INDEX workspaces_created_idx ON workspaces (created_at DESC, id DESC);

CREATE TABLE projects (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id   uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    slug           text NOT NULL CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 64),
    name           text NOT NULL CHECK (length(btrim(name)) > 0),
    description    text,
    default_branch text NOT NULL DEFAULT 'main',
    root_directory text,
    metadata       jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT projects_workspace_slug_key UNIQUE (workspace_id, slug),
    -- target of the composite keys that keep children in their project's workspace
    CONSTRAINT projects_workspace_id_key UNIQUE (workspace_id, id)
);
CREATE INDEX projects_workspace_created_idx ON projects (workspace_id, created_at DESC, id DESC);

CREATE TABLE repo_connections (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id     uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    project_id       uuid,
    provider         text NOT NULL DEFAULT 'github' CHECK (provider IN ('github')),
    owner            text NOT NULL CHECK (owner ~ '^[A-Za-z0-9_.-]+$'),
    repo             text NOT NULL CHECK (repo ~ '^[A-Za-z0-9_.-]+$'),
    default_branch   text,
    auth_type        text NOT NULL DEFAULT 'none' CHECK (auth_type IN ('none', 'pat')),
    -- AES-GCM ciphertext (nonce || ciphertext+tag); never returned by any route
    token_ciphertext bytea,
    metadata         jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT repo_connections_workspace_id_key UNIQUE (workspace_id, id),
    CONSTRAINT repo_connections_project_fk FOREIGN KEY (workspace_id, project_id)
        REFERENCES projects (workspace_id, id) ON DELETE CASCADE,
    CONSTRAINT repo_connections_token_needs_pat CHECK (token_ciphertext IS NULL OR auth_type = 'pat')
);
-- GitHub owner/repo names are case-insensitive: one connection per repository and workspace
CREATE UNIQUE INDEX repo_connections_repository_key
    ON repo_connections (workspace_id, provider, lower(owner), lower(repo));
CREATE INDEX repo_connections_workspace_created_idx ON repo_connections (workspace_id, created_at DESC, id DESC);
CREATE INDEX repo_connections_project_idx ON repo_connections (project_id);

CREATE TABLE automations (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id         uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    project_id           uuid,
    repo_connection_id   uuid,
    name                 text NOT NULL CHECK (length(btrim(name)) > 0),
    enabled              boolean NOT NULL DEFAULT true,
    cron_expression      text NOT NULL,
    timezone             text NOT NULL DEFAULT 'UTC',
    task_template_title  text NOT NULL,
    task_template_prompt text NOT NULL DEFAULT '',
    permission_mode      text NOT NULL DEFAULT 'safe' CHECK (permission_mode IN ('safe', 'yolo', 'custom')),
    policy               jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(policy) = 'object'),
    config               jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(config) = 'object'),
    branch_prefix        text,
    metadata             jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
    last_run_at          timestamptz,
    next_run_at          timestamptz,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT automations_workspace_name_key UNIQUE (workspace_id, name),
    CONSTRAINT automations_workspace_id_key UNIQUE (workspace_id, id),
    CONSTRAINT automations_project_fk FOREIGN KEY (workspace_id, project_id)
        REFERENCES projects (workspace_id, id) ON DELETE CASCADE,
    CONSTRAINT automations_repo_connection_fk FOREIGN KEY (workspace_id, repo_connection_id)
        REFERENCES repo_connections (workspace_id, id) ON DELETE SET NULL (repo_connection_id)
);
CREATE INDEX automations_workspace_created_idx ON automations (workspace_id, created_at DESC, id DESC);
CREATE INDEX automations_due_idx ON automations (next_run_at) WHERE enabled;

-- One row per (automation, fire time): the primary key is what makes a fire time fire exactly once,
-- however many workers look at the automation at the same moment.
CREATE TABLE automation_fires (
    automation_id uuid NOT NULL REFERENCES automations (id) ON DELETE CASCADE,
    fire_time     timestamptz NOT NULL,
    task_id       uuid,
    run_id        uuid,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (automation_id, fire_time)
);

CREATE TABLE tasks (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    workspace_id       uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    project_id         uuid,
    repo_connection_id uuid,
    automation_id      uuid,
    title              text NOT NULL CHECK (length(btrim(title)) > 0),
    prompt             text NOT NULL DEFAULT '',
    status             text NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'queued', 'running', 'completed', 'failed', 'cancelled')),
    permission_mode    text NOT NULL DEFAULT 'safe' CHECK (permission_mode IN ('safe', 'yolo', 'custom')),
    policy             jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(policy) = 'object'),
    config             jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(config) = 'object'),
    base_branch        text,
    branch_name        text,
    metadata           jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
    archived_at        timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT tasks_project_fk FOREIGN KEY (workspace_id, project_id)
        REFERENCES projects (workspace_id, id) ON DELETE CASCADE,
    CONSTRAINT tasks_repo_connection_fk FOREIGN KEY (workspace_id, repo_connection_id)
        REFERENCES repo_connections (workspace_id, id) ON DELETE SET NULL (repo_connection_id),
    CONSTRAINT tasks_automation_fk FOREIGN KEY (workspace_id, automation_id)
        REFERENCES automations (workspace_id, id) ON DELETE SET NULL (automation_id)
);
CREATE INDEX tasks_workspace_created_idx ON tasks (workspace_id, created_at DESC, id DESC);
CREATE INDEX tasks_created_idx ON tasks (created_at DESC, id DESC);
CREATE INDEX tasks_project_idx ON tasks (project_id);
CREATE INDEX tasks_status_idx ON tasks (status);
CREATE INDEX tasks_repo_connection_idx ON tasks (repo_connection_id);
CREATE INDEX tasks_automation_idx ON tasks (automation_id);

CREATE TABLE runners (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name              text NOT NULL,
    base_url          text NOT NULL,
    status            text NOT NULL DEFAULT 'online' CHECK (status IN ('online', 'draining', 'offline')),
    capacity          integer NOT NULL DEFAULT 1 CHECK (capacity >= 0),
    active_runs       integer NOT NULL DEFAULT 0 CHECK (active_runs >= 0),
    version           text,
    last_heartbeat_at timestamptz NOT NULL DEFAULT now(),
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT runners_name_key UNIQUE (name)
);

CREATE TABLE runs (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    task_id            uuid NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    attempt            integer NOT NULL CHECK (attempt >= 1),
    status             text NOT NULL DEFAULT 'queued' CHECK (status IN
        ('queued', 'provisioning', 'cloning', 'running', 'completed', 'failed', 'cancelled')),
    -- why this run exists: api | follow_up | retry | automation
    source             text NOT NULL DEFAULT 'api',
    prompt             text NOT NULL DEFAULT '',
    permission_mode    text NOT NULL CHECK (permission_mode IN ('safe', 'yolo', 'custom')),
    policy             jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(policy) = 'object'),
    config             jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(config) = 'object'),
    base_branch        text,
    branch_name        text,
    workspace_path     text,
    metadata           jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
    -- dispatch and lease: only the runner holding (runner_id, lease_token) may write to an active run
    runner_id          uuid REFERENCES runners (id) ON DELETE SET NULL,
    lease_token        uuid,
    lease_expires_at   timestamptz,
    dispatch_attempts  integer NOT NULL DEFAULT 0,
    not_before         timestamptz,
    cancel_requested_at timestamptz,
    -- per-run event counter: allocating sequences under this row's lock makes commit order = sequence order
    last_sequence      bigint NOT NULL DEFAULT 0,
    error_code         text,
    error_message      text,
    exit_code          integer,
    queued_at          timestamptz NOT NULL DEFAULT now(),
    started_at         timestamptz,
    finished_at        timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT runs_task_attempt_key UNIQUE (task_id, attempt),
    CONSTRAINT runs_finished_when_terminal CHECK (
        (status IN ('completed', 'failed', 'cancelled')) = (finished_at IS NOT NULL))
);
-- At most one active run per task, enforced by the database whatever the caller.
CREATE UNIQUE INDEX runs_one_active_per_task ON runs (task_id)
    WHERE status IN ('queued', 'provisioning', 'cloning', 'running');
CREATE INDEX runs_claim_idx ON runs (queued_at, id) WHERE status = 'queued';
CREATE INDEX runs_lease_idx ON runs (lease_expires_at) WHERE status IN ('provisioning', 'cloning', 'running');
CREATE INDEX runs_task_idx ON runs (task_id, attempt DESC);
CREATE INDEX runs_created_idx ON runs (created_at DESC, id DESC);
CREATE INDEX runs_runner_idx ON runs (runner_id) WHERE runner_id IS NOT NULL;

CREATE TABLE run_events (
    run_id     uuid NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    sequence   bigint NOT NULL CHECK (sequence >= 1),
    event_type text NOT NULL,
    level      text NOT NULL DEFAULT 'info' CHECK (level IN ('info', 'warn', 'error')),
    message    text,
    payload    jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, sequence)
);

-- The workspace changes of a run, computed by its runner (which owns the workspace).
CREATE TABLE run_diffs (
    run_id     uuid PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
    files      jsonb NOT NULL DEFAULT '[]',
    stats      jsonb NOT NULL DEFAULT '{}',
    patch      text NOT NULL DEFAULT '',
    truncated  boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Provider credentials for coding agents, one per provider, encrypted (AES-GCM).
CREATE TABLE credentials (
    provider   text PRIMARY KEY CHECK (provider IN ('openai', 'anthropic')),
    kind       text NOT NULL CHECK (kind IN ('api_key', 'codex_auth_json')),
    ciphertext bytea NOT NULL,
    hint       text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name         text NOT NULL,
    key_prefix   text NOT NULL,
    -- SHA-256 of the key; the key itself is shown once and never stored
    key_hash     bytea NOT NULL,
    last_used_at timestamptz,
    expires_at   timestamptz,
    revoked_at   timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT api_keys_key_hash_key UNIQUE (key_hash)
);

-- A task's status follows its latest run, whichever service changed the run; every change is announced
-- on 'tasks_changed' (delivered at commit) so API processes can tell their WebSocket clients.
CREATE FUNCTION runs_follow_task_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE tasks
       SET status = CASE NEW.status
                        WHEN 'provisioning' THEN 'running'
                        WHEN 'cloning' THEN 'running'
                        ELSE NEW.status END,
           updated_at = now()
     WHERE id = NEW.task_id
       AND NOT EXISTS (SELECT 1 FROM runs r WHERE r.task_id = NEW.task_id AND r.attempt > NEW.attempt);
    IF NEW.status = 'queued' THEN
        PERFORM pg_notify('run_queued', NEW.id::text);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER runs_follow_task_status
    AFTER INSERT OR UPDATE OF status ON runs
    FOR EACH ROW EXECUTE FUNCTION runs_follow_task_status();

CREATE FUNCTION tasks_announce_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('tasks_changed', NEW.id::text);
    RETURN NULL;
END $$;

CREATE TRIGGER tasks_announce_change
    AFTER INSERT OR UPDATE ON tasks
    FOR EACH ROW EXECUTE FUNCTION tasks_announce_change();
