package dev.agentcenter.api.repo;

import dev.agentcenter.api.web.JsonColumns;
import dev.agentcenter.api.web.PageQuery;
import dev.agentcenter.api.web.Rows;
import dev.agentcenter.model.CreateRepoConnectionRequest;
import dev.agentcenter.model.Page;
import dev.agentcenter.model.RepoConnection;
import dev.agentcenter.model.UpdateRepoConnectionRequest;
import dev.agentcenter.support.SecretBinding;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Repository connections in Postgres. The token ciphertext is read only by {@link #sealedToken}; every other read
 * maps it to {@code hasToken}.
 */
@Repository
public class RepoConnectionStore {

    private static final String COLUMNS = """
            id, workspace_id, project_id, provider, owner, repo, default_branch, auth_type,
            token_ciphertext IS NOT NULL AS has_token, metadata, max_concurrent_runs, created_at, updated_at""";

    private final JdbcClient db;
    private final JsonColumns json;

    RepoConnectionStore(JdbcClient db, JsonColumns json) {
        this.db = db;
        this.json = json;
    }

    /** The connection as clients see it (never with its token). */
    public Optional<RepoConnection> find(UUID id) {
        return db.sql("SELECT " + COLUMNS + " FROM repo_connections WHERE id = :id")
                .param("id", id)
                .query(this::map)
                .optional();
    }

    Page<RepoConnection> list(UUID workspaceId, UUID projectId, PageQuery page) {
        List<String> conditions = new ArrayList<>(List.of(page.condition(null)));
        if (workspaceId != null) {
            conditions.add("workspace_id = :workspaceId");
        }
        if (projectId != null) {
            conditions.add("project_id = :projectId");
        }
        var statement = page.bind(db.sql("SELECT " + COLUMNS + " FROM repo_connections WHERE "
                + String.join(" AND ", conditions) + " ORDER BY created_at DESC, id DESC LIMIT :pageLimit"));
        if (workspaceId != null) {
            statement = statement.param("workspaceId", workspaceId);
        }
        if (projectId != null) {
            statement = statement.param("projectId", projectId);
        }
        return page.page(statement.query(this::map).list(), c -> new PageQuery.Key(c.createdAt(), c.id()));
    }

    /**
     * Inserts a connection under {@code id} (chosen by the caller, who sealed the token for this row before);
     * {@code sealedToken} is the token already encrypted, or {@code null}. A second connection of the same repository
     * (case-insensitive) hits {@code repo_connections_repository_key}.
     */
    RepoConnection create(UUID id, String provider, CreateRepoConnectionRequest request, byte[] sealedToken) {
        return db.sql("""
                        INSERT INTO repo_connections
                            (id, workspace_id, project_id, provider, owner, repo, default_branch, auth_type,
                             token_ciphertext, metadata)
                        VALUES (:id, :workspaceId, :projectId, :provider, :owner, :repo,
                                :defaultBranch, :authType, :token, CAST(:metadata AS jsonb))
                        RETURNING\s""" + COLUMNS)
                .param("id", id)
                .param("workspaceId", request.workspaceId())
                .param("projectId", request.projectId())
                .param("provider", provider)
                .param("owner", request.owner())
                .param("repo", request.repo())
                .param("defaultBranch", request.defaultBranch())
                .param("authType", sealedToken == null ? "none" : "pat")
                .param("token", sealedToken, Types.BINARY)
                .param("metadata", json.write(request.metadata()))
                .query(this::map)
                .single();
    }

    /** Sets the connection's concurrency limit (0 removes it); empty when there is no such connection. */
    Optional<RepoConnection> update(UUID id, UpdateRepoConnectionRequest request) {
        return db.sql("""
                        UPDATE repo_connections SET
                            max_concurrent_runs = CASE WHEN :limitGiven THEN NULLIF(:limit, 0)
                                                       ELSE max_concurrent_runs END,
                            updated_at = now()
                         WHERE id = :id
                        RETURNING\s""" + COLUMNS)
                .param("id", id)
                .param("limitGiven", request.maxConcurrentRuns() != null)
                .param("limit", request.maxConcurrentRuns(), Types.INTEGER)
                .query(this::map)
                .optional();
    }

    /** What a GitHub check needs: the repository and the encrypted token, if any, with what it is bound to. */
    Optional<Target> target(UUID id) {
        return db.sql("""
                        SELECT id, workspace_id, provider, owner, repo, token_ciphertext
                          FROM repo_connections WHERE id = :id""")
                .param("id", id)
                .query((rs, row) -> new Target(
                        Rows.uuid(rs, "id"),
                        Rows.uuid(rs, "workspace_id"),
                        rs.getString("provider"),
                        rs.getString("owner"),
                        rs.getString("repo"),
                        rs.getBytes("token_ciphertext")))
                .optional();
    }

    /** Deletes the connection; tasks and automations that used it keep running without one. */
    boolean delete(UUID id) {
        return db.sql("DELETE FROM repo_connections WHERE id = :id")
                        .param("id", id)
                        .update()
                > 0;
    }

    /** A connection's repository and sealed token. */
    record Target(UUID id, UUID workspaceId, String provider, String owner, String repo, byte[] sealedToken) {

        /** What the token is sealed for: this row, its workspace and its repository. */
        SecretBinding tokenBinding() {
            return SecretBinding.repositoryToken(id, workspaceId, provider, owner, repo);
        }
    }

    private RepoConnection map(ResultSet rs, int row) throws SQLException {
        return new RepoConnection(
                Rows.uuid(rs, "id"),
                Rows.uuid(rs, "workspace_id"),
                Rows.uuid(rs, "project_id"),
                rs.getString("provider"),
                rs.getString("owner"),
                rs.getString("repo"),
                rs.getString("default_branch"),
                rs.getString("auth_type"),
                rs.getBoolean("has_token"),
                json.map(rs.getString("metadata")),
                Rows.integer(rs, "max_concurrent_runs"),
                Rows.instant(rs, "created_at"),
                Rows.instant(rs, "updated_at"));
    }
}
