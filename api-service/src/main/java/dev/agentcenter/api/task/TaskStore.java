package dev.agentcenter.api.task;

import dev.agentcenter.api.web.JsonColumns;
import dev.agentcenter.api.web.PageQuery;
import dev.agentcenter.api.web.Rows;
import dev.agentcenter.api.workspace.WorkspaceReferences;
import dev.agentcenter.model.CreateTaskRequest;
import dev.agentcenter.model.ExecutionConfig;
import dev.agentcenter.model.ExecutionPolicy;
import dev.agentcenter.model.Page;
import dev.agentcenter.model.PermissionMode;
import dev.agentcenter.model.RunStatus;
import dev.agentcenter.model.RunSummary;
import dev.agentcenter.model.Task;
import dev.agentcenter.model.TaskStatus;
import dev.agentcenter.model.UpdateTaskRequest;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Tasks in Postgres, each with a summary of its latest run. */
@Repository
public class TaskStore {

    /**
     * The task with its latest run, and the pull request of its most recent run that has one: a follow-up that failed
     * before delivering does not hide the task's pull request.
     */
    private static final String SELECT = """
            SELECT t.*, r.id AS run_id, r.attempt AS run_attempt, r.status AS run_status,
                   r.queued_at AS run_queued_at, r.started_at AS run_started_at, r.finished_at AS run_finished_at,
                   pr.pull_request_url AS run_pull_request_url, pr.pull_request_number AS run_pull_request_number
              FROM tasks t
              LEFT JOIN LATERAL (
                  SELECT * FROM runs WHERE runs.task_id = t.id ORDER BY attempt DESC LIMIT 1) r ON TRUE
              LEFT JOIN LATERAL (
                  SELECT pull_request_url, pull_request_number FROM runs
                   WHERE runs.task_id = t.id AND runs.pull_request_url IS NOT NULL
                   ORDER BY attempt DESC LIMIT 1) pr ON TRUE
            """;

    private final JdbcClient db;
    private final JsonColumns json;
    private final WorkspaceReferences references;

    TaskStore(JdbcClient db, JsonColumns json, WorkspaceReferences references) {
        this.db = db;
        this.json = json;
        this.references = references;
    }

    /**
     * Creates a task after checking that everything it references exists and lives in its workspace (and that a
     * repository connection tied to a project is used with that project). Does not start it.
     */
    public Task create(CreateTaskRequest request) {
        UUID workspaceId = request.workspaceId();
        UUID projectId = request.projectId();
        references.check(workspaceId, projectId, request.repoConnectionId(), request.automationId());
        UUID id = db.sql("""
                        INSERT INTO tasks (workspace_id, project_id, repo_connection_id, automation_id, title, prompt,
                                           permission_mode, policy, config, base_branch, branch_name, metadata)
                        VALUES (:workspaceId, :projectId, :repoConnectionId, :automationId, :title, :prompt,
                                :permissionMode, CAST(:policy AS jsonb), CAST(:config AS jsonb), :baseBranch,
                                :branchName, CAST(:metadata AS jsonb))
                        RETURNING id""")
                .param("workspaceId", workspaceId)
                .param("projectId", projectId)
                .param("repoConnectionId", request.repoConnectionId())
                .param("automationId", request.automationId())
                .param("title", request.title().strip())
                .param("prompt", request.prompt() == null ? "" : request.prompt())
                .param("permissionMode", mode(request.permissionMode()).wire())
                .param("policy", json.write(ExecutionPolicy.normalized(request.policy())))
                .param("config", json.write(ExecutionConfig.normalized(request.config())))
                .param("baseBranch", Rows.blankToNull(request.baseBranch()))
                .param("branchName", Rows.blankToNull(request.branchName()))
                .param("metadata", json.write(request.metadata()))
                .query(UUID.class)
                .single();
        return find(id).orElseThrow();
    }

    /** Looks a task up. */
    public Optional<Task> find(UUID id) {
        return db.sql(SELECT + " WHERE t.id = :id")
                .param("id", id)
                .query(this::map)
                .optional();
    }

    /** Which archived tasks a list shows. */
    enum Archived {
        EXCLUDE,
        INCLUDE,
        ONLY
    }

    Page<Task> list(UUID workspaceId, UUID projectId, TaskStatus status, Archived archived, PageQuery page) {
        String archivedCondition = switch (archived) {
            case EXCLUDE -> "t.archived_at IS NULL";
            case INCLUDE -> "TRUE";
            case ONLY -> "t.archived_at IS NOT NULL";
        };
        var statement = db.sql(SELECT + " WHERE " + page.condition("t")
                + (workspaceId == null ? "" : " AND t.workspace_id = :workspaceId")
                + (projectId == null ? "" : " AND t.project_id = :projectId")
                + (status == null ? "" : " AND t.status = :status")
                + " AND " + archivedCondition
                + " ORDER BY t.created_at DESC, t.id DESC LIMIT :pageLimit");
        if (workspaceId != null) {
            statement = statement.param("workspaceId", workspaceId);
        }
        if (projectId != null) {
            statement = statement.param("projectId", projectId);
        }
        if (status != null) {
            statement = statement.param("status", status.wire());
        }
        List<Task> rows = page.bind(statement).query(this::map).list();
        return page.page(rows, t -> new PageQuery.Key(t.createdAt(), t.id()));
    }

    Optional<Task> update(UUID id, UpdateTaskRequest request) {
        int changed = db.sql("""
                        UPDATE tasks SET
                            title = COALESCE(:title, title),
                            prompt = COALESCE(:prompt, prompt),
                            permission_mode = COALESCE(:permissionMode, permission_mode),
                            policy = COALESCE(CAST(:policy AS jsonb), policy),
                            config = COALESCE(CAST(:config AS jsonb), config),
                            base_branch = CASE WHEN :baseBranchGiven THEN :baseBranch ELSE base_branch END,
                            branch_name = CASE WHEN :branchNameGiven THEN :branchName ELSE branch_name END,
                            metadata = COALESCE(CAST(:metadata AS jsonb), metadata),
                            archived_at = CASE WHEN :archived IS NULL THEN archived_at
                                               WHEN :archived THEN COALESCE(archived_at, now())
                                               ELSE NULL END,
                            updated_at = now()
                        WHERE id = :id""")
                .param("id", id)
                .param("title", request.title() == null ? null : request.title().strip())
                .param("prompt", request.prompt())
                .param(
                        "permissionMode",
                        request.permissionMode() == null
                                ? null
                                : request.permissionMode().wire())
                .param(
                        "policy",
                        request.policy() == null ? null : json.write(ExecutionPolicy.normalized(request.policy())))
                .param(
                        "config",
                        request.config() == null ? null : json.write(ExecutionConfig.normalized(request.config())))
                .param("baseBranchGiven", request.baseBranch() != null)
                .param("baseBranch", Rows.blankToNull(request.baseBranch()))
                .param("branchNameGiven", request.branchName() != null)
                .param("branchName", Rows.blankToNull(request.branchName()))
                .param("metadata", request.metadata() == null ? null : json.write(request.metadata()))
                .param("archived", request.archived(), java.sql.Types.BOOLEAN)
                .update();
        return changed == 0 ? Optional.empty() : find(id);
    }

    private static PermissionMode mode(PermissionMode mode) {
        return mode == null ? PermissionMode.SAFE : mode;
    }

    private Task map(ResultSet rs, int row) throws SQLException {
        UUID runId = Rows.uuid(rs, "run_id");
        RunSummary latest = runId == null
                ? null
                : new RunSummary(
                        runId,
                        rs.getInt("run_attempt"),
                        RunStatus.fromWire(rs.getString("run_status")),
                        Rows.instant(rs, "run_queued_at"),
                        Rows.instant(rs, "run_started_at"),
                        Rows.instant(rs, "run_finished_at"),
                        rs.getString("run_pull_request_url"),
                        Rows.integer(rs, "run_pull_request_number"));
        return new Task(
                Rows.uuid(rs, "id"),
                Rows.uuid(rs, "workspace_id"),
                Rows.uuid(rs, "project_id"),
                Rows.uuid(rs, "repo_connection_id"),
                Rows.uuid(rs, "automation_id"),
                rs.getString("title"),
                rs.getString("prompt"),
                TaskStatus.fromWire(rs.getString("status")),
                PermissionMode.fromWire(rs.getString("permission_mode")),
                json.read(rs.getString("policy"), ExecutionPolicy.class),
                json.read(rs.getString("config"), ExecutionConfig.class),
                rs.getString("base_branch"),
                rs.getString("branch_name"),
                json.map(rs.getString("metadata")),
                Rows.instant(rs, "archived_at"),
                latest,
                Rows.instant(rs, "created_at"),
                Rows.instant(rs, "updated_at"));
    }
}
