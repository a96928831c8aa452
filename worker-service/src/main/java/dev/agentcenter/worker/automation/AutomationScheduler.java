package dev.agentcenter.worker.automation;

import dev.agentcenter.support.CronSchedule;
import dev.agentcenter.support.ledger.AutomationFires;
import dev.agentcenter.support.ledger.RunEvents;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Fires due automations: for each fire time, a task from the automation's template and its first run (queued), in
 * one transaction with the fire's record and events, through the ledger's {@link AutomationFires} (the API's manual
 * trigger fires the same way).
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

    private record Due(
            UUID id, String name, String cronExpression, String timezone, String branchPrefix, Instant nextRunAt) {}

    private final JdbcClient db;
    private final TransactionTemplate transactions;
    private final AutomationFires fires;
    private final Clock clock;

    AutomationScheduler(JdbcClient db, TransactionTemplate transactions, RunEvents events, Clock clock) {
        this.db = db;
        this.transactions = transactions;
        this.fires = new AutomationFires(db, events);
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
        if (fires.claim(automation.id(), fireTime)) {
            fire(automation, fireTime);
        } else {
            log.info("Automation {} already fired for {}; moving on", automation.id(), fireTime);
        }
        schedule(automation, schedule, fireTime.isAfter(now) ? fireTime : now, fireTime);
    }

    private void fire(Due automation, Instant fireTime) {
        AutomationFires.Fired fired = fires.fire(
                automation.id(),
                automation.name(),
                automation.branchPrefix(),
                fireTime,
                false,
                // as before: a run with nothing to run is queued and fails on the runner, where the user sees why
                UnaryOperator.identity());
        log.info(
                "Automation {} fired for {}: task {}, run {}",
                automation.id(),
                fireTime,
                fired.taskId(),
                fired.runId());
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

    private static OffsetDateTime utc(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }

    private static Instant instant(OffsetDateTime value) {
        return value == null ? null : value.toInstant();
    }
}
