package dev.agentcenter.runner.run;

import dev.agentcenter.model.ExecutionConfig;
import dev.agentcenter.model.ExecutionPolicy;
import dev.agentcenter.model.PermissionMode;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import tools.jackson.databind.ObjectMapper;

/** Reads a run, its task, project and repository connection in one query. */
@Component
class RunContextLoader {

    private final JdbcClient db;
    private final ObjectMapper json;

    RunContextLoader(JdbcClient db, ObjectMapper json) {
        this.db = db;
        this.json = json;
    }

    /** The run, if it is still active and held under this lease and attempt. */
    Optional<RunContext> load(UUID runId, int attempt, UUID leaseToken) {
        return db.sql("""
                        SELECT r.id, r.task_id, r.attempt, r.lease_token, r.source, r.prompt,
                               t.prompt AS task_prompt, r.permission_mode, r.policy,
                               r.config, r.base_branch, r.branch_name, p.root_directory, r.rehomed_from_runner_id,
                               p.default_branch AS project_default_branch, c.id AS connection_id,
                               c.workspace_id AS connection_workspace_id, c.provider, c.owner, c.repo,
                               c.default_branch AS repo_default_branch, c.token_ciphertext
                          FROM runs r
                          JOIN tasks t ON t.id = r.task_id
                          LEFT JOIN projects p ON p.id = t.project_id
                          LEFT JOIN repo_connections c ON c.id = t.repo_connection_id
                         WHERE r.id = :id AND r.attempt = :attempt AND r.lease_token = :lease
                           AND r.status IN ('provisioning', 'cloning', 'running')""")
                .param("id", runId)
                .param("attempt", attempt)
                .param("lease", leaseToken)
                .query((rs, row) -> {
                    RunContext.Repository repository = null;
                    if (rs.getString("owner") != null) {
                        String defaultBranch = rs.getString("repo_default_branch") != null
                                ? rs.getString("repo_default_branch")
                                : rs.getString("project_default_branch");
                        repository = new RunContext.Repository(
                                rs.getObject("connection_id", UUID.class),
                                rs.getObject("connection_workspace_id", UUID.class),
                                rs.getString("provider"),
                                rs.getString("owner"),
                                rs.getString("repo"),
                                defaultBranch,
                                rs.getBytes("token_ciphertext"));
                    }
                    ExecutionPolicy policy = json.readValue(rs.getString("policy"), ExecutionPolicy.class);
                    return new RunContext(
                            rs.getObject("id", UUID.class),
                            rs.getObject("task_id", UUID.class),
                            rs.getInt("attempt"),
                            rs.getObject("lease_token", UUID.class),
                            rs.getString("source"),
                            rs.getString("prompt"),
                            rs.getString("task_prompt"),
                            PermissionMode.fromWire(rs.getString("permission_mode")),
                            policy.blockedCommands() == null ? List.of() : policy.blockedCommands(),
                            json.readValue(rs.getString("config"), ExecutionConfig.class),
                            rs.getString("base_branch"),
                            rs.getString("branch_name"),
                            rs.getString("root_directory"),
                            repository,
                            rs.getObject("rehomed_from_runner_id", UUID.class));
                })
                .optional();
    }
}
