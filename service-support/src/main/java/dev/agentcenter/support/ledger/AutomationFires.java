package dev.agentcenter.support.ledger;

import dev.agentcenter.model.RunEventTypes;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.UnaryOperator;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Fires an automation: a task from its template (base branch resolved from the repository connection, else the
 * project), the task's first run through {@link RunQueueing}, the fire's record, and {@code automation.triggered}
 * after the run's {@code run.created}. The worker's schedule and the API's manual trigger both fire here, in the
 * caller's transaction, after claiming the fire time with {@link #claim}.
 */
public final class AutomationFires {

    private static final DateTimeFormatter BRANCH_TIMESTAMP =
            DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    /** What a fire created. */
    public record Fired(UUID taskId, UUID runId) {}

    private final JdbcClient db;
    private final RunQueueing queue;
    private final RunEvents events;

    public AutomationFires(JdbcClient db, RunEvents events) {
        this.db = db;
        this.queue = new RunQueueing(db, events);
        this.events = events;
    }

    /**
     * Records the fire of the automation at this time, unless it is recorded already: exactly once, whatever number
     * of workers (and API calls) try.
     *
     * @return whether this call recorded it (and so must fire)
     */
    public boolean claim(UUID automationId, Instant fireTime) {
        return db.sql("""
                        INSERT INTO automation_fires (automation_id, fire_time) VALUES (:id, :fireTime)
                        ON CONFLICT DO NOTHING""")
                        .param("id", automationId)
                        .param("fireTime", utc(fireTime))
                        .update()
                == 1;
    }

    /**
     * Creates the task and queues its run for a claimed fire.
     *
     * @param manual fired by hand (the API) rather than by the schedule
     * @param config checks (and may rewrite) the run's config, as {@link RunQueueing.Request#config()}
     */
    public Fired fire(
            UUID automationId,
            String name,
            String branchPrefix,
            Instant fireTime,
            boolean manual,
            UnaryOperator<String> config) {
        UUID taskId = db.sql("""
                        INSERT INTO tasks (workspace_id, project_id, repo_connection_id, automation_id, title, prompt,
                                           permission_mode, policy, config, base_branch, branch_name, metadata)
                        SELECT a.workspace_id, a.project_id, a.repo_connection_id, a.id, a.task_template_title,
                               a.task_template_prompt, a.permission_mode, a.policy, a.config,
                               COALESCE(rc.default_branch, p.default_branch), :branchName,
                               a.metadata || jsonb_build_object('automation', jsonb_build_object(
                                   'id', a.id, 'name', a.name, 'fireTime', :fireTimeText,
                                   'manual', CAST(:manual AS boolean)))
                          FROM automations a
                          LEFT JOIN repo_connections rc ON rc.id = a.repo_connection_id
                          LEFT JOIN projects p ON p.id = a.project_id
                         WHERE a.id = :id
                        RETURNING id""")
                .param("id", automationId)
                .param("branchName", branchName(branchPrefix, fireTime))
                .param("fireTimeText", fireTime.toString())
                .param("manual", manual)
                .query(UUID.class)
                .single();
        UUID runId = queue.queue(new RunQueueing.Request(
                        taskId, "automation", null, config, new RunQueueing.FiredBy(automationId, name)))
                .runId();
        db.sql("""
                        UPDATE automation_fires SET task_id = :taskId, run_id = :runId
                         WHERE automation_id = :id AND fire_time = :fireTime""")
                .param("taskId", taskId)
                .param("runId", runId)
                .param("id", automationId)
                .param("fireTime", utc(fireTime))
                .update();
        Map<String, Object> triggered = new LinkedHashMap<>();
        triggered.put("automationId", automationId.toString());
        triggered.put("fireTime", fireTime.toString());
        triggered.put("manual", manual);
        triggered.put("taskId", taskId.toString());
        String message = manual
                ? "Automation \"" + name + "\" triggered by hand"
                : "Automation \"" + name + "\" fired for " + fireTime;
        events.append(runId, RunEvents.draft(RunEventTypes.AUTOMATION_TRIGGERED, "info", message, triggered));
        return new Fired(taskId, runId);
    }

    /** {@code <prefix>/<yyyyMMdd-HHmmss>} of the fire time in UTC, or none without a prefix. */
    public static String branchName(String prefix, Instant fireTime) {
        if (prefix == null || prefix.isBlank()) {
            return null;
        }
        String trimmed = prefix.strip().replaceAll("/+$", "");
        return trimmed.isEmpty() ? null : trimmed + "/" + BRANCH_TIMESTAMP.format(fireTime);
    }

    private static OffsetDateTime utc(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }
}
