package dev.agentcenter.api.automation;

import dev.agentcenter.api.web.JsonColumns;
import dev.agentcenter.api.web.PageQuery;
import dev.agentcenter.api.web.Rows;
import dev.agentcenter.model.Automation;
import dev.agentcenter.model.ExecutionConfig;
import dev.agentcenter.model.ExecutionPolicy;
import dev.agentcenter.model.Page;
import dev.agentcenter.model.PermissionMode;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Automations, their fire log and the references they check, in Postgres. */
@Repository
class AutomationStore {

    private final JdbcClient db;
    private final JsonColumns json;

    AutomationStore(JdbcClient db, JsonColumns json) {
        this.db = db;
        this.json = json;
    }

    Page<Automation> list(UUID workspaceId, UUID projectId, Boolean enabled, PageQuery page) {
        var statement = db.sql("SELECT * FROM automations WHERE " + page.condition(null)
                + (workspaceId == null ? "" : " AND workspace_id = :workspaceId")
                + (projectId == null ? "" : " AND project_id = :projectId")
                + (enabled == null ? "" : " AND enabled = :enabled")
                + " ORDER BY created_at DESC, id DESC LIMIT :pageLimit");
        if (workspaceId != null) {
            statement = statement.param("workspaceId", workspaceId);
        }
        if (projectId != null) {
            statement = statement.param("projectId", projectId);
        }
        if (enabled != null) {
            statement = statement.param("enabled", enabled);
        }
        var rows = page.bind(statement).query(this::map).list();
        return page.page(rows, a -> new PageQuery.Key(a.createdAt(), a.id()));
    }

    Optional<Automation> find(UUID id) {
        return db.sql("SELECT * FROM automations WHERE id = :id")
                .param("id", id)
                .query(this::map)
                .optional();
    }

    /** Reads and locks the row until the transaction ends (updates, triggers). */
    Optional<Automation> lock(UUID id) {
        return db.sql("SELECT * FROM automations WHERE id = :id FOR UPDATE")
                .param("id", id)
                .query(this::map)
                .optional();
    }

    /** Inserts a complete automation (id, timestamps and lastRunAt are the database's). */
    Automation insert(Automation a) {
        return db.sql("""
                        INSERT INTO automations (workspace_id, project_id, repo_connection_id, name, enabled,
                                                 cron_expression, timezone, task_template_title, task_template_prompt,
                                                 permission_mode, policy, config, branch_prefix, metadata, next_run_at)
                        VALUES (:workspaceId, :projectId, :repoConnectionId, :name, :enabled,
                                :cronExpression, :timezone, :title, :prompt,
                                :permissionMode, CAST(:policy AS jsonb), CAST(:config AS jsonb), :branchPrefix,
                                CAST(:metadata AS jsonb), CAST(:nextRunAt AS timestamptz))
                        RETURNING *""").paramSource(values(a)).query(this::map).single();
    }

    /** Writes every changeable column of {@code a}. */
    Automation save(Automation a) {
        return db.sql("""
                        UPDATE automations SET
                            project_id = :projectId,
                            repo_connection_id = :repoConnectionId,
                            name = :name,
                            enabled = :enabled,
                            cron_expression = :cronExpression,
                            timezone = :timezone,
                            task_template_title = :title,
                            task_template_prompt = :prompt,
                            permission_mode = :permissionMode,
                            policy = CAST(:policy AS jsonb),
                            config = CAST(:config AS jsonb),
                            branch_prefix = :branchPrefix,
                            metadata = CAST(:metadata AS jsonb),
                            next_run_at = CAST(:nextRunAt AS timestamptz),
                            updated_at = now()
                        WHERE id = :id
                        RETURNING *""").paramSource(values(a)).query(this::map).single();
    }

    boolean delete(UUID id) {
        return db.sql("DELETE FROM automations WHERE id = :id").param("id", id).update() > 0;
    }

    /** Records when the automation last ran (its fire was claimed and fired through the ledger). */
    void recordFire(UUID automationId, Instant fireTime) {
        db.sql("""
                        UPDATE automations SET last_run_at = GREATEST(last_run_at, :fireTime), updated_at = now()
                        WHERE id = :id""").param("id", automationId).param("fireTime", utc(fireTime)).update();
    }

    private MapSqlParameterSource values(Automation a) {
        return new MapSqlParameterSource()
                .addValue("id", a.id())
                .addValue("workspaceId", a.workspaceId())
                .addValue("projectId", a.projectId())
                .addValue("repoConnectionId", a.repoConnectionId())
                .addValue("name", a.name())
                .addValue("enabled", a.enabled())
                .addValue("cronExpression", a.cronExpression())
                .addValue("timezone", a.timezone())
                .addValue("title", a.taskTemplateTitle())
                .addValue("prompt", a.taskTemplatePrompt() == null ? "" : a.taskTemplatePrompt())
                .addValue("permissionMode", a.permissionMode().wire())
                .addValue("policy", json.write(a.policy()))
                .addValue("config", json.write(a.config()))
                .addValue("branchPrefix", a.branchPrefix())
                .addValue("metadata", json.write(a.metadata()))
                .addValue("nextRunAt", utc(a.nextRunAt()));
    }

    private static OffsetDateTime utc(Instant instant) {
        return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
    }

    private Automation map(ResultSet rs, int row) throws SQLException {
        return new Automation(
                Rows.uuid(rs, "id"),
                Rows.uuid(rs, "workspace_id"),
                Rows.uuid(rs, "project_id"),
                Rows.uuid(rs, "repo_connection_id"),
                rs.getString("name"),
                rs.getBoolean("enabled"),
                rs.getString("cron_expression"),
                rs.getString("timezone"),
                rs.getString("task_template_title"),
                rs.getString("task_template_prompt"),
                PermissionMode.fromWire(rs.getString("permission_mode")),
                json.read(rs.getString("policy"), ExecutionPolicy.class),
                json.read(rs.getString("config"), ExecutionConfig.class),
                rs.getString("branch_prefix"),
                json.map(rs.getString("metadata")),
                Rows.instant(rs, "last_run_at"),
                Rows.instant(rs, "next_run_at"),
                Rows.instant(rs, "created_at"),
                Rows.instant(rs, "updated_at"));
    }
}
