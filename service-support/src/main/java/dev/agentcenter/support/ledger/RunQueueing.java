package dev.agentcenter.support.ledger;

import dev.agentcenter.model.RunEventTypes;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.UnaryOperator;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Queue-a-run, the one fire path: the API's create, start, retry and follow-up, the API's manual automation trigger
 * and the worker's scheduled automations all queue runs here, with the same row and the same {@code run.created}
 * event. Joins the caller's transaction.
 *
 * <p>The task row is locked first, so two requests for the same task are serialized: the second sees the first's
 * run and is refused instead of racing on the attempt number. The one-active-run rule is also a unique index.
 * Inserting the run fires the trigger that moves the task to queued and sends {@code NOTIFY run_queued}.
 */
public final class RunQueueing {

    /**
     * A run to queue.
     *
     * @param source why: {@code api}, {@code follow_up}, {@code retry} or {@code automation}
     * @param prompt this run's prompt, or {@code null} for the task's
     * @param config given the task's config (JSON text), the run's config (JSON text); may throw to refuse the run
     * @param automation the automation that fired the run, or {@code null}
     */
    public record Request(
            UUID taskId, String source, String prompt, UnaryOperator<String> config, FiredBy automation) {}

    /** The automation behind a run: named in {@code run.created}. */
    public record FiredBy(UUID id, String name) {}

    /** The queued run. */
    public record Queued(UUID runId, int attempt) {}

    /** The task does not exist. */
    public static final class TaskNotFound extends RuntimeException {
        TaskNotFound(UUID taskId) {
            super("task " + taskId + " not found");
        }
    }

    /** The task has a run that has not ended yet. */
    public static final class TaskHasActiveRun extends RuntimeException {
        TaskHasActiveRun(String description) {
            super(description);
        }
    }

    private record TaskRow(
            String prompt, String permissionMode, String policy, String config, String baseBranch, String branchName) {}

    private final JdbcClient db;
    private final RunEvents events;

    /** Statements run on {@code db} and events are appended through {@code events}: both in the caller's transaction. */
    public RunQueueing(JdbcClient db, RunEvents events) {
        this.db = db;
        this.events = events;
    }

    /** Queues the next attempt of the task: status {@code queued}, event {@code run.created}. */
    public Queued queue(Request request) {
        UUID taskId = request.taskId();
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
                .orElseThrow(() -> new TaskNotFound(taskId));
        db.sql("SELECT id, status FROM runs WHERE task_id = :taskId"
                        + " AND status IN ('queued', 'provisioning', 'cloning', 'running')")
                .param("taskId", taskId)
                .query((rs, row) -> rs.getString("id") + " is " + rs.getString("status"))
                .optional()
                .ifPresent(active -> {
                    throw new TaskHasActiveRun(active);
                });
        String config = request.config().apply(task.config());
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
                .param("source", request.source())
                .param("prompt", request.prompt() != null ? request.prompt() : task.prompt())
                .param("permissionMode", task.permissionMode())
                .param("policy", task.policy())
                .param("config", config)
                .param("baseBranch", task.baseBranch())
                .param("branchName", task.branchName())
                .query(UUID.class)
                .single();
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("attempt", attempt);
        payload.put("source", request.source());
        payload.put("taskId", taskId.toString());
        FiredBy automation = request.automation();
        if (automation != null) {
            payload.put("automationId", automation.id().toString());
        }
        String message = automation != null
                ? "Run queued by automation " + automation.name()
                : "Run queued (attempt " + attempt + ", " + request.source() + ")";
        events.append(runId, RunEvents.draft(RunEventTypes.RUN_CREATED, "info", message, payload));
        return new Queued(runId, attempt);
    }
}
