package dev.agentcenter.api.project;

import dev.agentcenter.api.web.JsonColumns;
import dev.agentcenter.api.web.PageQuery;
import dev.agentcenter.api.web.Rows;
import dev.agentcenter.model.CreateProjectRequest;
import dev.agentcenter.model.Page;
import dev.agentcenter.model.Project;
import dev.agentcenter.model.UpdateProjectRequest;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Projects in Postgres. Other features use {@link #workspaceOf} to check references. */
@Repository
public class ProjectStore {

    private final JdbcClient db;
    private final JsonColumns json;

    ProjectStore(JdbcClient db, JsonColumns json) {
        this.db = db;
        this.json = json;
    }

    /** The workspace a project belongs to, or empty when there is no such project. */
    public Optional<UUID> workspaceOf(UUID projectId) {
        return db.sql("SELECT workspace_id FROM projects WHERE id = :id")
                .param("id", projectId)
                .query(UUID.class)
                .optional();
    }

    Page<Project> list(UUID workspaceId, PageQuery page) {
        String filter = workspaceId == null ? "TRUE" : "workspace_id = :workspaceId";
        var statement = page.bind(db.sql("SELECT * FROM projects WHERE " + filter + " AND " + page.condition(null)
                + " ORDER BY created_at DESC, id DESC LIMIT :pageLimit"));
        if (workspaceId != null) {
            statement = statement.param("workspaceId", workspaceId);
        }
        return page.page(statement.query(this::map).list(), p -> new PageQuery.Key(p.createdAt(), p.id()));
    }

    Optional<Project> find(UUID id) {
        return db.sql("SELECT * FROM projects WHERE id = :id")
                .param("id", id)
                .query(this::map)
                .optional();
    }

    /**
     * Inserts the project, or returns empty when the workspace does not exist. Selecting the workspace in the same
     * statement leaves no gap between the check and the insert.
     */
    Optional<Project> create(CreateProjectRequest request) {
        return db.sql("""
                        INSERT INTO projects
                            (workspace_id, slug, name, description, default_branch, root_directory, metadata)
                        SELECT w.id, :slug, :name, :description, COALESCE(:defaultBranch, 'main'), :rootDirectory,
                               CAST(:metadata AS jsonb)
                        FROM workspaces w WHERE w.id = :workspaceId
                        RETURNING *""")
                .param("workspaceId", request.workspaceId())
                .param("slug", request.slug())
                .param("name", request.name().strip())
                .param("description", Rows.blankToNull(request.description()))
                .param("defaultBranch", request.defaultBranch())
                .param("rootDirectory", Rows.blankToNull(request.rootDirectory()))
                .param("metadata", json.write(request.metadata()))
                .query(this::map)
                .optional();
    }

    Optional<Project> update(UUID id, UpdateProjectRequest request) {
        return db.sql("""
                        UPDATE projects SET
                            slug = COALESCE(:slug, slug),
                            name = COALESCE(:name, name),
                            description = CASE WHEN :descriptionGiven THEN :description ELSE description END,
                            default_branch = COALESCE(:defaultBranch, default_branch),
                            root_directory = CASE WHEN :rootDirectoryGiven THEN :rootDirectory ELSE root_directory END,
                            metadata = COALESCE(CAST(:metadata AS jsonb), metadata),
                            updated_at = now()
                        WHERE id = :id
                        RETURNING *""")
                .param("id", id)
                .param("slug", request.slug())
                .param("name", request.name() == null ? null : request.name().strip())
                .param("descriptionGiven", request.description() != null)
                .param("description", Rows.blankToNull(request.description()))
                .param("defaultBranch", request.defaultBranch())
                .param("rootDirectoryGiven", request.rootDirectory() != null)
                .param("rootDirectory", Rows.blankToNull(request.rootDirectory()))
                .param("metadata", request.metadata() == null ? null : json.write(request.metadata()))
                .query(this::map)
                .optional();
    }

    /** Deletes the project; the schema cascades to its repositories, tasks, runs and automations. */
    boolean delete(UUID id) {
        return db.sql("DELETE FROM projects WHERE id = :id").param("id", id).update() > 0;
    }

    private Project map(ResultSet rs, int row) throws SQLException {
        return new Project(
                Rows.uuid(rs, "id"),
                Rows.uuid(rs, "workspace_id"),
                rs.getString("slug"),
                rs.getString("name"),
                rs.getString("description"),
                rs.getString("default_branch"),
                rs.getString("root_directory"),
                json.map(rs.getString("metadata")),
                Rows.instant(rs, "created_at"),
                Rows.instant(rs, "updated_at"));
    }
}
