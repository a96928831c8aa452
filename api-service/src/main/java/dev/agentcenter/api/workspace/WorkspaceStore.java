package dev.agentcenter.api.workspace;

import dev.agentcenter.api.web.JsonColumns;
import dev.agentcenter.api.web.PageQuery;
import dev.agentcenter.api.web.Rows;
import dev.agentcenter.model.CreateWorkspaceRequest;
import dev.agentcenter.model.Page;
import dev.agentcenter.model.UpdateWorkspaceRequest;
import dev.agentcenter.model.Workspace;
import dev.agentcenter.model.WorkspaceBudget;
import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Workspaces in Postgres. Other features use {@link #exists} to check references. */
@Repository
public class WorkspaceStore {

    private final JdbcClient db;
    private final JsonColumns json;

    WorkspaceStore(JdbcClient db, JsonColumns json) {
        this.db = db;
        this.json = json;
    }

    public boolean exists(UUID id) {
        return db.sql("SELECT EXISTS (SELECT 1 FROM workspaces WHERE id = :id)")
                .param("id", id)
                .query(Boolean.class)
                .single();
    }

    Page<Workspace> list(PageQuery page) {
        var rows = page.bind(db.sql("SELECT * FROM workspaces WHERE " + page.condition(null)
                        + " ORDER BY created_at DESC, id DESC LIMIT :pageLimit"))
                .query(this::map)
                .list();
        return page.page(rows, w -> new PageQuery.Key(w.createdAt(), w.id()));
    }

    Optional<Workspace> find(UUID id) {
        return db.sql("SELECT * FROM workspaces WHERE id = :id")
                .param("id", id)
                .query(this::map)
                .optional();
    }

    Workspace create(CreateWorkspaceRequest request) {
        return db.sql("""
                        INSERT INTO workspaces (slug, name, description, metadata)
                        VALUES (:slug, :name, :description, CAST(:metadata AS jsonb))
                        RETURNING *""")
                .param("slug", request.slug())
                .param("name", request.name().strip())
                .param("description", Rows.blankToNull(request.description()))
                .param("metadata", json.write(request.metadata()))
                .query(this::map)
                .single();
    }

    Optional<Workspace> update(UUID id, UpdateWorkspaceRequest request) {
        return db.sql("""
                        UPDATE workspaces SET
                            slug = COALESCE(:slug, slug),
                            name = COALESCE(:name, name),
                            description = CASE WHEN :descriptionGiven THEN :description ELSE description END,
                            metadata = COALESCE(CAST(:metadata AS jsonb), metadata),
                            budget_period = CASE WHEN :budgetGiven THEN :budgetPeriod ELSE budget_period END,
                            budget_max_tokens = CASE WHEN :budgetGiven THEN :budgetTokens ELSE budget_max_tokens END,
                            budget_max_cost_usd =
                                CASE WHEN :budgetGiven THEN :budgetCost ELSE budget_max_cost_usd END,
                            max_concurrent_runs = CASE WHEN :limitGiven THEN NULLIF(:limit, 0)
                                                       ELSE max_concurrent_runs END,
                            updated_at = now()
                        WHERE id = :id
                        RETURNING *""")
                .param("id", id)
                .param("slug", request.slug())
                .param("name", request.name() == null ? null : request.name().strip())
                .param("descriptionGiven", request.description() != null)
                .param("description", Rows.blankToNull(request.description()))
                .param("metadata", request.metadata() == null ? null : json.write(request.metadata()))
                .param("budgetGiven", request.budget() != null || Boolean.TRUE.equals(request.clearBudget()))
                .param(
                        "budgetPeriod",
                        request.budget() == null ? null : request.budget().period())
                .param(
                        "budgetTokens",
                        request.budget() == null ? null : request.budget().maxTokens(),
                        Types.BIGINT)
                .param(
                        "budgetCost",
                        request.budget() == null || request.budget().maxCostUsd() == null
                                ? null
                                : BigDecimal.valueOf(request.budget().maxCostUsd()),
                        Types.NUMERIC)
                .param("limitGiven", request.maxConcurrentRuns() != null)
                .param("limit", request.maxConcurrentRuns(), Types.INTEGER)
                .query(this::map)
                .optional();
    }

    boolean delete(UUID id) {
        return db.sql("DELETE FROM workspaces WHERE id = :id").param("id", id).update() > 0;
    }

    private Workspace map(ResultSet rs, int row) throws SQLException {
        return new Workspace(
                Rows.uuid(rs, "id"),
                rs.getString("slug"),
                rs.getString("name"),
                rs.getString("description"),
                json.map(rs.getString("metadata")),
                budget(rs),
                Rows.integer(rs, "max_concurrent_runs"),
                Rows.instant(rs, "created_at"),
                Rows.instant(rs, "updated_at"));
    }

    private static WorkspaceBudget budget(ResultSet rs) throws SQLException {
        String period = rs.getString("budget_period");
        if (period == null) {
            return null;
        }
        BigDecimal cost = rs.getBigDecimal("budget_max_cost_usd");
        return new WorkspaceBudget(
                period,
                rs.getObject("budget_max_tokens") == null ? null : rs.getLong("budget_max_tokens"),
                cost == null ? null : cost.doubleValue());
    }
}
