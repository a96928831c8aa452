package dev.agentcenter.worker.automation;

import dev.agentcenter.support.CronSchedule;
import dev.agentcenter.worker.RunEvents;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Fires due automations: for each fire time, a task from the automation's template and its first run (queued), in
 * one transaction with the fire's record and events.
 *
 * <p>Exactly once, with any number of workers: the row of {@code automation_fires} keyed by (automation, fire time)
 * is inserted first with {@code ON CONFLICT DO NOTHING}, and only the transaction that inserted it creates the
 * task. {@code FOR UPDATE SKIP LOCKED} on the automation keeps the others from even trying. A manual trigger
 * (API) writes the same table with its own fire time.
 *
 * <p>After downtime an automation fires once for its missed time and then moves to the next future time, instead
 * of firing every time it missed. Whether an automation is due is decided with the injected {@link Clock}.
 */
final class AutomationScheduler {

    private static final Logger log = LoggerFactory.getLogger(AutomationScheduler.class);
    /** Automations handled per round at most; the rest wait for the next round (a few seconds). */
    private static final int ROUND_LIMIT = 50;

    private static final DateTimeFormatter BRANCH_TIMESTAMP =
            DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    private record Due(
            UUID id, String name, String cronExpression, String timezone, String branchPrefix, Instant nextRunAt) {}

    private final JdbcClient db;
    private final TransactionTemplate transactions;
    private final RunEvents events;
    private final Clock clock;

    AutomationScheduler(JdbcClient db, TransactionTemplate transactions, RunEvents events, Clock clock) {
        this.db = db;
        this.transactions = transactions;
        this.events = events;
        this.clock = clock;
    }

    /**
     * One round: every automation due now, each in its own transaction, so one that cannot be handled (and is
     * skipped for the rest of the round) does not hold back the others.
     *
     * @return how many automations were handled (initialized, fired or disabled)
     */
    int runDue() {
        Instant now = clock.instant();
        Set<UUID> failed = new HashSet<>();
        int handled = 0;
        while (handled + failed.size() < ROUND_LIMIT) {
            UUID[] current = new UUID[1];
            try {
                Boolean found = transactions.execute(status -> {
                    Optional<Due> due = nextDue(now, failed);
                    due.ifPresent(d -> {
                        current[0] = d.id();
                        handle(d, now);
                    });
                    return due.isPresent();
                });
                if (!Boolean.TRUE.equals(found)) {
                    break;
                }
                handled++;
            } catch (RuntimeException e) {
                if (current[0] == null) {
                    throw e;
                }
                failed.add(current[0]);
                log.warn("Could not handle automation {}; trying again next round", current[0], e);
            }
        }
        return handled;
    }

    private Optional<Due> nextDue(Instant now, Set<UUID> skip) {
        return db.sql("""
                        SELECT id, name, cron_expression, timezone, branch_prefix, next_run_at
                          FROM automations
                         WHERE enabled AND (next_run_at IS NULL OR next_run_at <= :now)
                           AND NOT (id::text = ANY (string_to_array(:skip, ',')))
                         ORDER BY next_run_at NULLS FIRST, id
                         LIMIT 1
                           FOR UPDATE SKIP LOCKED""")
                .param("now", utc(now))
                .param(
                        "skip",
                        String.join(",", skip.stream().map(UUID::toString).toList()))
                .query((rs, row) -> new Due(
                        rs.getObject("id", UUID.class),
                        rs.getString("name"),
                        rs.getString("cron_expression"),
                        rs.getString("timezone"),
                        rs.getString("branch_prefix"),
                        instant(rs.getObject("next_run_at", OffsetDateTime.class))))
                .optional();
    }

    private void handle(Due automation, Instant now) {
        CronSchedule schedule;
        try {
            schedule = CronSchedule.parse(automation.cronExpression(), automation.timezone());
        } catch (IllegalArgumentException e) {
            // The API validates schedules, so this is a row written some other way or rules that changed: stop
            // this automation and say why, rather than failing the whole loop every round.
            disable(automation, "invalid schedule: " + e.getMessage());
            return;
        }
        if (automation.nextRunAt() == null) {
            // First sight (or re-enabled without a time): start the schedule from now, do not fire.
            schedule(automation, schedule, now, null);
            return;
        }
        Instant fireTime = automation.nextRunAt();
        if (claimFire(automation.id(), fireTime)) {
            fire(automation, fireTime);
        } else {
            log.info("Automation {} already fired for {}; moving on", automation.id(), fireTime);
        }
        schedule(automation, schedule, fireTime.isAfter(now) ? fireTime : now, fireTime);
    }

    private boolean claimFire(UUID automationId, Instant fireTime) {
        return db.sql("""
                        INSERT INTO automation_fires (automation_id, fire_time) VALUES (:id, :fireTime)
                        ON CONFLICT DO NOTHING""")
                        .param("id", automationId)
                        .param("fireTime", utc(fireTime))
                        .update()
                == 1;
    }

    private void fire(Due automation, Instant fireTime) {
        String branchName = branchName(automation.branchPrefix(), fireTime);
        UUID taskId = db.sql("""
                        INSERT INTO tasks (workspace_id, project_id, repo_connection_id, automation_id, title, prompt,
                                           permission_mode, policy, config, base_branch, branch_name, metadata)
                        SELECT a.workspace_id, a.project_id, a.repo_connection_id, a.id, a.task_template_title,
                               a.task_template_prompt, a.permission_mode, a.policy, a.config,
                               COALESCE(rc.default_branch, p.default_branch), :branchName,
                               a.metadata || jsonb_build_object('automation', jsonb_build_object(
                                   'id', a.id, 'name', a.name, 'fireTime', :fireTimeText, 'manual', false))
                          FROM automations a
                          LEFT JOIN repo_connections rc ON rc.id = a.repo_connection_id
                          LEFT JOIN projects p ON p.id = a.project_id
                         WHERE a.id = :id
                        RETURNING id""")
                .param("id", automation.id())
                .param("branchName", branchName)
                .param("fireTimeText", fireTime.toString())
                .query(UUID.class)
                .single();
        // The run copies the task; the trigger on runs moves the task to queued and sends NOTIFY run_queued.
        UUID runId = db.sql("""
                        INSERT INTO runs (task_id, attempt, status, source, prompt, permission_mode, policy, config,
                                          base_branch, branch_name)
                        SELECT id, 1, 'queued', 'automation', prompt, permission_mode, policy, config, base_branch,
                               branch_name
                          FROM tasks WHERE id = :taskId
                        RETURNING id""").param("taskId", taskId).query(UUID.class).single();
        db.sql("""
                        UPDATE automation_fires SET task_id = :taskId, run_id = :runId
                         WHERE automation_id = :id AND fire_time = :fireTime""")
                .param("taskId", taskId)
                .param("runId", runId)
                .param("id", automation.id())
                .param("fireTime", utc(fireTime))
                .update();

        Map<String, Object> created = new LinkedHashMap<>();
        created.put("attempt", 1);
        created.put("source", "automation");
        created.put("taskId", taskId.toString());
        created.put("automationId", automation.id().toString());
        Map<String, Object> triggered = new LinkedHashMap<>();
        triggered.put("automationId", automation.id().toString());
        triggered.put("fireTime", fireTime.toString());
        triggered.put("manual", false);
        triggered.put("taskId", taskId.toString());
        events.append(
                runId,
                RunEvents.draft("run.created", "info", "Run queued by automation " + automation.name(), created),
                RunEvents.draft(
                        "automation.triggered",
                        "info",
                        "Automation \"" + automation.name() + "\" fired for " + fireTime,
                        triggered));
        log.info("Automation {} fired for {}: task {}, run {}", automation.id(), fireTime, taskId, runId);
    }

    /** Sets the next fire time after {@code from}; records the fire time just handled, if any. */
    private void schedule(Due automation, CronSchedule schedule, Instant from, Instant firedAt) {
        Optional<Instant> next = schedule.nextAfter(from);
        if (next.isEmpty()) {
            disable(automation, "its schedule has no fire time after " + from);
            return;
        }
        if (firedAt == null) {
            db.sql("UPDATE automations SET next_run_at = :next, updated_at = now() WHERE id = :id")
                    .param("id", automation.id())
                    .param("next", utc(next.get()))
                    .update();
            return;
        }
        db.sql("""
                        UPDATE automations
                           SET next_run_at = :next, last_run_at = GREATEST(last_run_at, :fired), updated_at = now()
                         WHERE id = :id""")
                .param("id", automation.id())
                .param("next", utc(next.get()))
                .param("fired", utc(firedAt))
                .update();
    }

    private void disable(Due automation, String reason) {
        log.warn("Disabling automation {} ({}): {}", automation.id(), automation.name(), reason);
        db.sql("""
                        UPDATE automations
                           SET enabled = false, next_run_at = NULL, updated_at = now(),
                               metadata = metadata || jsonb_build_object(
                                   'disabledByWorker', jsonb_build_object('reason', :reason, 'at', now()))
                         WHERE id = :id""").param("id", automation.id()).param("reason", reason).update();
    }

    /** {@code <prefix>/<yyyyMMdd-HHmmss>} of the fire time in UTC, or none without a prefix. */
    static String branchName(String prefix, Instant fireTime) {
        if (prefix == null || prefix.isBlank()) {
            return null;
        }
        String trimmed = prefix.strip().replaceAll("/+$", "");
        return trimmed.isEmpty() ? null : trimmed + "/" + BRANCH_TIMESTAMP.format(fireTime);
    }

    private static OffsetDateTime utc(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }

    private static Instant instant(OffsetDateTime value) {
        return value == null ? null : value.toInstant();
    }
}
