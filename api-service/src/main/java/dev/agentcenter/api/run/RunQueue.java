package dev.agentcenter.api.run;

import dev.agentcenter.api.usage.WorkspaceBudgets;
import dev.agentcenter.api.web.ApiException;
import dev.agentcenter.api.web.JsonColumns;
import dev.agentcenter.model.AgentProvider;
import dev.agentcenter.model.EventLevel;
import dev.agentcenter.model.ExecutionConfig;
import dev.agentcenter.model.Run;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * Queues runs. The task row is locked first, so two requests for the same task are serialized: the second sees
 * the first's run and gets 409 instead of racing on the attempt number. The one-active-run rule is also a unique
 * index, in case anything else inserts runs.
 */
@Component
public class RunQueue {

    private final JdbcClient db;
    private final JsonColumns json;
    private final RunEventLog events;
    private final RunStore runs;
    private final WorkspaceBudgets budgets;

    RunQueue(JdbcClient db, JsonColumns json, RunEventLog events, RunStore runs, WorkspaceBudgets budgets) {
        this.budgets = budgets;
        this.db = db;
        this.json = json;
        this.events = events;
        this.runs = runs;
    }

    /**
     * Queues the next attempt of a task: status {@code queued}, event {@code run.created}. Joins the caller's
     * transaction (or starts one).
     *
     * @param source why: {@code api}, {@code follow_up}, {@code retry} or {@code automation}
     * @param promptOverride this run's prompt, or {@code null} for the task's
     * @param configOverride this run's execution config, or {@code null} for the task's
     */
    @Transactional(propagation = Propagation.REQUIRED)
    public Run queue(UUID taskId, String source, String promptOverride, ExecutionConfig configOverride) {
        TaskRow task = db.sql("SELECT prompt, permission_mode, policy, config, base_branch, branch_name"
                        + " FROM tasks WHERE id = :id FOR UPDATE")
                .param("id", taskId)
                .query((rs, row) -> new TaskRow(
                        rs.getString("prompt"),
                        rs.getString("permission_mode"),
                        rs.getString("policy"),
                        rs.getString("config"),
                        rs.getString("base_branch"),
                        rs.getString("branch_name")))
                .optional()
                .orElseThrow(() -> ApiException.notFound("task", taskId));
        db.sql("SELECT id, status FROM runs WHERE task_id = :taskId"
                        + " AND status IN ('queued', 'provisioning', 'cloning', 'running')")
                .param("taskId", taskId)
                .query((rs, row) -> rs.getString("id") + " is " + rs.getString("status"))
                .optional()
                .ifPresent(active -> {
                    throw ApiException.conflict(
                            "task_has_active_run", "The task already has an active run (" + active + ")");
                });
        budgets.requireAvailableForTask(taskId);
        ExecutionConfig config =
                configOverride != null ? configOverride : json.read(task.config(), ExecutionConfig.class);
        requireSomethingToRun(config);
        int attempt = db.sql("SELECT COALESCE(max(attempt), 0) + 1 FROM runs WHERE task_id = :taskId")
                .param("taskId", taskId)
                .query(Integer.class)
                .single();
        UUID runId = db.sql("""
                        INSERT INTO runs (task_id, attempt, status, source, prompt, permission_mode, policy, config,
                                          base_branch, branch_name)
                        VALUES (:taskId, :attempt, 'queued', :source, :prompt, :permissionMode,
                                CAST(:policy AS jsonb), CAST(:config AS jsonb), :baseBranch, :branchName)
                        RETURNING id""")
                .param("taskId", taskId)
                .param("attempt", attempt)
                .param("source", source)
                .param("prompt", promptOverride != null ? promptOverride : task.prompt())
                .param("permissionMode", task.permissionMode())
                .param("policy", task.policy())
                .param("config", json.write(config))
                .param("baseBranch", task.baseBranch())
                .param("branchName", task.branchName())
                .query(UUID.class)
                .single();
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("attempt", attempt);
        payload.put("source", source);
        payload.put("taskId", taskId.toString());
        events.append(
                runId, "run.created", EventLevel.INFO, "Run queued (attempt " + attempt + ", " + source + ")", payload);
        return runs.find(runId).orElseThrow();
    }

    private static void requireSomethingToRun(ExecutionConfig config) {
        boolean hasCommands = config.commands() != null && !config.commands().isEmpty();
        boolean hasAgent = config.agent() != null
                && config.agent().provider() != null
                && config.agent().provider() != AgentProvider.NONE;
        if (!hasCommands && !hasAgent) {
            throw new ApiException(
                    HttpStatus.UNPROCESSABLE_CONTENT,
                    "nothing_to_run",
                    "The run has no commands and no agent: add config.commands or set config.agent.provider");
        }
    }

    private record TaskRow(
            String prompt, String permissionMode, String policy, String config, String baseBranch, String branchName) {}
}
