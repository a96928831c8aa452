package dev.agentcenter.api.github;

import dev.agentcenter.api.web.ApiException;
import dev.agentcenter.api.web.JsonColumns;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.concurrent.SimpleAsyncTaskScheduler;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.core.type.TypeReference;

/**
 * Turns a task's pending GitHub feedback into one follow-up run, once the task has no active run and no feedback has
 * arrived for {@code GITHUB_FEEDBACK_QUIET_MS}. Rows, not memory: feedback taken in before a restart is queued after
 * it. Several API processes may run this at once: a pending row is taken with {@code FOR UPDATE SKIP LOCKED} and
 * deleted in the transaction that queues its follow-up.
 */
@Component
class FeedbackDrain implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(FeedbackDrain.class);
    private static final int MAX_PER_ROUND = 20;
    private static final TypeReference<List<Map<String, Object>>> ITEMS = new TypeReference<>() {};

    private final JdbcClient db;
    private final JsonColumns json;
    private final GitHubRunStarter runs;
    private final TransactionTemplate transaction;
    private final GitHubWebhookProperties properties;
    private SimpleAsyncTaskScheduler scheduler;
    private volatile boolean failing;

    FeedbackDrain(
            JdbcClient db,
            JsonColumns json,
            GitHubRunStarter runs,
            PlatformTransactionManager transactions,
            GitHubWebhookProperties properties) {
        this.db = db;
        this.json = json;
        this.runs = runs;
        this.transaction = new TransactionTemplate(transactions);
        this.properties = properties;
    }

    /** Queues the follow-ups that are due; returns how many. */
    int drain() {
        int queued = 0;
        for (int i = 0; i < MAX_PER_ROUND; i++) {
            Optional<UUID> task;
            try {
                task = transaction.execute(status -> queueOne());
            } catch (Refused refused) {
                if ("task_has_active_run".equals(refused.refusal.code())) {
                    break; // a run was queued meanwhile by someone else: the feedback waits for its end
                }
                // The task cannot run (e.g. nothing_to_run): its feedback is dropped rather than retried forever.
                log.warn(
                        "Dropped GitHub feedback for task {}: its follow-up cannot be queued ({})",
                        refused.taskId,
                        refused.refusal.code());
                db.sql("DELETE FROM github_pending_feedback WHERE task_id = :task")
                        .param("task", refused.taskId)
                        .update();
                continue;
            }
            if (task == null || task.isEmpty()) {
                break;
            }
            queued++;
        }
        return queued;
    }

    private Optional<UUID> queueOne() {
        Optional<Pending> pending = db.sql("""
                        SELECT p.task_id, p.items FROM github_pending_feedback p
                         WHERE p.last_at <= now() - make_interval(secs => :quiet)
                           AND NOT EXISTS (SELECT 1 FROM runs r WHERE r.task_id = p.task_id
                                              AND r.status IN ('queued', 'provisioning', 'cloning', 'running'))
                         ORDER BY p.first_at LIMIT 1 FOR UPDATE OF p SKIP LOCKED""")
                .param("quiet", properties.feedbackQuiet().toMillis() / 1000.0)
                .query((rs, row) ->
                        new Pending(rs.getObject("task_id", UUID.class), json.read(rs.getString("items"), ITEMS)))
                .optional();
        if (pending.isEmpty()) {
            return Optional.empty();
        }
        UUID taskId = pending.get().taskId();
        db.sql("DELETE FROM github_pending_feedback WHERE task_id = :task")
                .param("task", taskId)
                .update();
        db.sql("""
                        INSERT INTO github_follow_up_counts (task_id, count) VALUES (:task, 1)
                        ON CONFLICT (task_id) DO UPDATE SET count = github_follow_up_counts.count + 1""").param("task", taskId).update();
        try {
            runs.followUp(taskId, prompt(pending.get().items()));
        } catch (ApiException e) {
            throw new Refused(taskId, e); // rolls the transaction back: the feedback stays until drain() decides
        }
        return Optional.of(taskId);
    }

    /** The follow-up's prompt: every piece of feedback, in the order it arrived. */
    static String prompt(List<Map<String, Object>> items) {
        StringBuilder prompt = new StringBuilder("Feedback from GitHub on your pull request (" + items.size()
                + (items.size() == 1 ? " item" : " items")
                + "). Address it in the same branch, then stop.");
        int n = 1;
        for (Map<String, Object> item : items) {
            prompt.append("\n\n").append(n++).append(". ").append(item.get("text"));
        }
        return prompt.toString();
    }

    /** The queue refused a task's follow-up. */
    private static final class Refused extends RuntimeException {
        final UUID taskId;
        final ApiException refusal;

        Refused(UUID taskId, ApiException cause) {
            super(cause.getMessage(), cause, false, false);
            this.taskId = taskId;
            this.refusal = cause;
        }
    }

    private record Pending(UUID taskId, List<Map<String, Object>> items) {}

    @Override
    public synchronized void start() {
        if (scheduler != null) {
            return;
        }
        scheduler = new SimpleAsyncTaskScheduler();
        scheduler.setThreadNamePrefix("github-feedback-");
        scheduler.setTaskTerminationTimeout(10_000);
        scheduler.scheduleWithFixedDelay(this::round, properties.feedbackPoll());
    }

    /** One round; a failing one (a database outage) is logged once and the next runs on schedule. */
    private void round() {
        try {
            drain();
            failing = false;
        } catch (RuntimeException e) {
            if (!failing) {
                log.warn("Queueing GitHub follow-ups failed; retrying every {}", properties.feedbackPoll(), e);
            }
            failing = true;
        }
    }

    @Override
    public synchronized void stop() {
        if (scheduler != null) {
            scheduler.close(); // waits (bounded) for the round in progress
            scheduler = null;
        }
    }

    @Override
    public synchronized boolean isRunning() {
        return scheduler != null;
    }
}
