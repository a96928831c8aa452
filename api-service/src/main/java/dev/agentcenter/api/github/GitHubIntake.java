package dev.agentcenter.api.github;

import dev.agentcenter.api.task.TaskStore;
import dev.agentcenter.api.web.JsonColumns;
import dev.agentcenter.api.web.Rows;
import dev.agentcenter.model.CreateTaskRequest;
import dev.agentcenter.model.ExecutionConfig;
import dev.agentcenter.model.Task;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * Takes in one verified delivery for one connection, in one transaction: the delivery row (whose key makes a
 * redelivery a no-op) and everything the delivery causes are written together or not at all.
 *
 * <p>An issue's task is created and its first run queued at once. Feedback on a pull request never queues a run here:
 * it is stored as the task's pending feedback, which {@link FeedbackDrain} turns into one follow-up once the task has
 * no active run and the feedback has been quiet for a moment; so a task has at most one active run, and a review's
 * comments or a burst of failed checks become one follow-up, not a storm of them.
 */
@Component
class GitHubIntake {

    /** What became of a delivery. */
    record Outcome(UUID repoConnectionId, String outcome, String detail, UUID taskId, boolean duplicate) {}

    private final JdbcClient db;
    private final JsonColumns json;
    private final TaskStore tasks;
    private final GitHubRunStarter runs;

    GitHubIntake(JdbcClient db, JsonColumns json, TaskStore tasks, GitHubRunStarter runs) {
        this.db = db;
        this.json = json;
        this.tasks = tasks;
        this.runs = runs;
    }

    @Transactional
    Outcome take(
            GitHubSettingsStore.Receiver receiver, String deliveryId, String event, String action, GitHubEvent what) {
        // One delivery of a connection at a time: two labels on the same issue cannot both create its task.
        db.sql("SELECT 1 FROM github_settings WHERE repo_connection_id = :id FOR UPDATE")
                .param("id", receiver.id())
                .query(Integer.class)
                .optional();
        int inserted = db.sql("""
                        INSERT INTO github_deliveries (repo_connection_id, delivery_id, event, action, outcome)
                        VALUES (:connection, :delivery, :event, :action, 'received')
                        ON CONFLICT DO NOTHING""")
                .param("connection", receiver.id())
                .param("delivery", deliveryId)
                .param("event", event)
                .param("action", action)
                .update();
        if (inserted == 0) {
            return db.sql("""
                            SELECT outcome, detail, task_id FROM github_deliveries
                             WHERE repo_connection_id = :connection AND delivery_id = :delivery""")
                    .param("connection", receiver.id())
                    .param("delivery", deliveryId)
                    .query((rs, row) -> new Outcome(
                            receiver.id(),
                            rs.getString("outcome"),
                            rs.getString("detail"),
                            Rows.uuid(rs, "task_id"),
                            true))
                    .single();
        }
        Outcome outcome = switch (what) {
            case GitHubEvent.Ignored ignored -> outcome(receiver, "ignored", ignored.reason(), null);
            case GitHubEvent.IssueWork issue -> issue(receiver, deliveryId, issue);
            case GitHubEvent.PullRequestFeedback feedback -> feedback(receiver, deliveryId, feedback);
        };
        db.sql("""
                        UPDATE github_deliveries SET outcome = :outcome, detail = :detail, task_id = :task
                         WHERE repo_connection_id = :connection AND delivery_id = :delivery""")
                .param("outcome", outcome.outcome())
                .param("detail", outcome.detail())
                .param("task", outcome.taskId())
                .param("connection", receiver.id())
                .param("delivery", deliveryId)
                .update();
        return outcome;
    }

    private Outcome issue(GitHubSettingsStore.Receiver receiver, String deliveryId, GitHubEvent.IssueWork issue) {
        Optional<UUID> existing = db.sql("""
                        SELECT task_id FROM github_task_links
                         WHERE repo_connection_id = :connection AND issue_number = :issue""")
                .param("connection", receiver.id())
                .param("issue", issue.issue())
                .query(UUID.class)
                .optional();
        if (existing.isPresent()) {
            if (issue.command() == null) {
                return outcome(receiver, "ignored", "issue #" + issue.issue() + " already has a task", existing.get());
            }
            return pending(
                    receiver,
                    deliveryId,
                    existing.get(),
                    "comment",
                    "A comment on issue #" + issue.issue() + " asks:\n" + issue.command());
        }
        Task task = tasks.create(taskFor(receiver, issue));
        db.sql("""
                        INSERT INTO github_task_links (task_id, repo_connection_id, issue_number)
                        VALUES (:task, :connection, :issue)""")
                .param("task", task.id())
                .param("connection", receiver.id())
                .param("issue", issue.issue())
                .update();
        runs.start(task.id());
        return outcome(receiver, "task_created", "issue #" + issue.issue(), task.id());
    }

    private CreateTaskRequest taskFor(GitHubSettingsStore.Receiver receiver, GitHubEvent.IssueWork issue) {
        GitHubSettings settings = receiver.settings();
        String title = issue.title().strip();
        if (title.isEmpty()) {
            title = "Issue #" + issue.issue();
        }
        StringBuilder prompt = new StringBuilder("Resolve GitHub issue #" + issue.issue() + " of " + receiver.owner()
                + "/" + receiver.repo() + ": " + title);
        if (!issue.body().isBlank()) {
            prompt.append("\n\n").append(issue.body().strip());
        }
        if (issue.command() != null) {
            prompt.append("\n\nAsked in a comment: ").append(issue.command());
        }
        ExecutionConfig template = settings.taskConfig();
        String prTitle = template.prTitle() != null ? template.prTitle() : clip(title, 250);
        ExecutionConfig config = new ExecutionConfig(
                template.commands(),
                template.agent(),
                template.workingDirectory(),
                template.commitMessage() != null
                        ? template.commitMessage()
                        : "Resolve #" + issue.issue() + ": " + title,
                prTitle,
                template.prBody() != null
                        ? template.prBody()
                        : "Closes #" + issue.issue() + ".\n\nOpened by Agent Center from " + issue.url());
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("github", Map.of("issue", issue.issue(), "url", issue.url()));
        return new CreateTaskRequest(
                receiver.workspaceId(),
                receiver.projectId(),
                receiver.id(),
                null,
                clip(title, 500),
                prompt.toString(),
                settings.permissionMode(),
                null,
                config,
                null,
                "agent-center/issue-" + issue.issue(),
                metadata);
    }

    private Outcome feedback(
            GitHubSettingsStore.Receiver receiver, String deliveryId, GitHubEvent.PullRequestFeedback feedback) {
        Optional<UUID> task = taskOfPullRequest(receiver.id(), feedback.pullRequests(), feedback.branch());
        if (task.isEmpty()) {
            return outcome(receiver, "ignored", "not a pull request the product opened", null);
        }
        int queued = db.sql("SELECT COALESCE((SELECT count FROM github_follow_up_counts WHERE task_id = :task), 0)")
                .param("task", task.get())
                .query(Integer.class)
                .single();
        if (queued >= receiver.settings().maxFollowUps()) {
            return outcome(
                    receiver,
                    "ignored",
                    "the task already had " + queued + " follow-ups from GitHub (maxFollowUps)",
                    task.get());
        }
        return pending(receiver, deliveryId, task.get(), feedback.kind(), feedback.feedback());
    }

    /** The task whose runs opened one of these pull requests, else the one whose pull request is from the branch. */
    private Optional<UUID> taskOfPullRequest(UUID connectionId, List<Integer> numbers, String branch) {
        if (!numbers.isEmpty()) {
            Optional<UUID> byNumber = db.sql("""
                            SELECT t.id FROM tasks t JOIN runs r ON r.task_id = t.id
                             WHERE t.repo_connection_id = :connection AND r.pull_request_number IN (:numbers)
                             ORDER BY r.finished_at DESC NULLS FIRST LIMIT 1""")
                    .param("connection", connectionId)
                    .param("numbers", numbers)
                    .query(UUID.class)
                    .optional();
            if (byNumber.isPresent()) {
                return byNumber;
            }
        }
        if (branch == null || branch.isBlank()) {
            return Optional.empty();
        }
        return db.sql("""
                        SELECT t.id FROM tasks t
                         WHERE t.repo_connection_id = :connection AND t.branch_name = :branch
                           AND EXISTS (SELECT 1 FROM runs r WHERE r.task_id = t.id AND r.pull_request_number IS NOT NULL)
                         ORDER BY t.created_at DESC LIMIT 1""")
                .param("connection", connectionId)
                .param("branch", branch)
                .query(UUID.class)
                .optional();
    }

    /** Folds the feedback into the task's pending feedback; FeedbackDrain queues the follow-up. */
    private Outcome pending(
            GitHubSettingsStore.Receiver receiver, String deliveryId, UUID taskId, String kind, String text) {
        Map<String, Object> item = new LinkedHashMap<>();
        item.put("kind", kind);
        item.put("text", text);
        item.put("deliveryId", deliveryId);
        db.sql("""
                        INSERT INTO github_pending_feedback (task_id, items)
                        VALUES (:task, jsonb_build_array(CAST(:item AS jsonb)))
                        ON CONFLICT (task_id) DO UPDATE SET
                            items = github_pending_feedback.items || EXCLUDED.items, last_at = now()""").param("task", taskId).param("item", json.write(item)).update();
        return outcome(receiver, "feedback_pending", kind, taskId);
    }

    private static Outcome outcome(GitHubSettingsStore.Receiver receiver, String outcome, String detail, UUID task) {
        return new Outcome(receiver.id(), outcome, detail, task, false);
    }

    private static String clip(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max - 1) + "…";
    }
}
