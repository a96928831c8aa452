package dev.agentcenter.api.workspace;

import dev.agentcenter.api.web.ApiException;
import dev.agentcenter.api.web.Rows;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Checks what a new or changed resource points at, so that it gets a clear answer instead of a foreign-key error:
 * 404 {@code <resource>_not_found} when a referenced id does not exist, 409 {@code <resource>_not_in_workspace}
 * when it belongs to another workspace, 409 {@code repo_connection_project_mismatch} when a repository connection
 * tied to a project is used with another project. The composite foreign keys in the schema enforce the same rules
 * for anything that bypasses the API.
 */
@Component
public class WorkspaceReferences {

    private final JdbcClient db;

    WorkspaceReferences(JdbcClient db) {
        this.db = db;
    }

    /** Checks every non-null reference against {@code workspaceId}, which must exist. */
    public void check(UUID workspaceId, UUID projectId, UUID repoConnectionId, UUID automationId) {
        boolean workspaceExists = db.sql("SELECT EXISTS (SELECT 1 FROM workspaces WHERE id = :id)")
                .param("id", workspaceId)
                .query(Boolean.class)
                .single();
        if (!workspaceExists) {
            throw ApiException.notFound("workspace", workspaceId);
        }
        if (projectId != null) {
            requireInWorkspace(ownerOf("projects", projectId), "project", projectId, workspaceId);
        }
        if (repoConnectionId != null) {
            Owner connection = ownerOf("repo_connections", repoConnectionId);
            requireInWorkspace(connection, "repo_connection", repoConnectionId, workspaceId);
            if (connection.projectId() != null
                    && projectId != null
                    && !connection.projectId().equals(projectId)) {
                throw ApiException.conflict(
                        "repo_connection_project_mismatch",
                        "The repository connection belongs to another project of this workspace");
            }
        }
        if (automationId != null) {
            requireInWorkspace(ownerOf("automations", automationId), "automation", automationId, workspaceId);
        }
    }

    private record Owner(UUID workspaceId, UUID projectId) {}

    private Owner ownerOf(String table, UUID id) {
        String projectColumn = table.equals("projects") ? "NULL::uuid" : "project_id";
        return db.sql("SELECT workspace_id, " + projectColumn + " AS project_id FROM " + table + " WHERE id = :id")
                .param("id", id)
                .query((rs, row) -> new Owner(Rows.uuid(rs, "workspace_id"), Rows.uuid(rs, "project_id")))
                .optional()
                .orElse(null);
    }

    private static void requireInWorkspace(Owner owner, String resource, UUID id, UUID workspaceId) {
        if (owner == null) {
            throw ApiException.notFound(resource, id);
        }
        if (!owner.workspaceId().equals(workspaceId)) {
            throw ApiException.conflict(
                    resource + "_not_in_workspace",
                    "The " + resource.replace('_', ' ') + " " + id + " belongs to another workspace");
        }
    }
}
