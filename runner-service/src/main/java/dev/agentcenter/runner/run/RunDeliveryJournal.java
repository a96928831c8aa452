package dev.agentcenter.runner.run;

import dev.agentcenter.runner.delivery.GitDelivery;
import dev.agentcenter.runner.delivery.GitHubPulls;
import dev.agentcenter.runner.execution.SecretRedactor;
import dev.agentcenter.runner.execution.ShellCommand;
import dev.agentcenter.support.events.RunEventWriter.Draft;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.ObjectMapper;

/**
 * The run's side of a {@link GitDelivery}: its events go through the run's {@link RunJournal}, each in a transaction
 * fenced by the lease, together with the row changes they stand for (a generated branch, the pull request).
 */
final class RunDeliveryJournal implements GitDelivery.Journal {

    private final RunJournal journal;
    private final RunContext context;
    private final ObjectMapper json;
    private final SecretRedactor redactor;

    RunDeliveryJournal(RunJournal journal, RunContext context, ObjectMapper json, SecretRedactor redactor) {
        this.journal = journal;
        this.context = context;
        this.json = json;
        this.redactor = redactor;
    }

    /** The request a run's config and context make. */
    static GitDelivery.Request request(RunContext context, String token, SecretRedactor redactor) {
        RunContext.Repository repository = context.repository();
        return new GitDelivery.Request(
                context.taskId(),
                context.config().commitMessage(),
                context.config().prTitle(),
                context.config().prBody(),
                context.branchName(),
                context.baseBranch(),
                repository == null
                        ? null
                        : new GitDelivery.Repository(repository.owner(), repository.repo(), repository.defaultBranch()),
                token,
                redactor);
    }

    @Override
    public boolean write(GitDelivery.Event event, String newBranch, GitHubPulls.PullRequest pullRequest) {
        Draft draft = new Draft(
                event.type(),
                event.level(),
                redactor.redact(event.message()),
                json.writeValueAsString(event.payload()));
        return journal.commit(List.of(draft), connection -> {
            boolean ok = true;
            if (newBranch != null) {
                ok = fenced(connection, "UPDATE runs SET branch_name = ?, updated_at = now()", newBranch);
                try (PreparedStatement task = connection.prepareStatement(
                        "UPDATE tasks SET branch_name = ?, updated_at = now() WHERE id = ? AND branch_name IS NULL")) {
                    task.setString(1, newBranch);
                    task.setObject(2, context.taskId());
                    task.executeUpdate();
                }
            }
            if (ok && pullRequest != null) {
                ok = fenced(
                        connection,
                        "UPDATE runs SET pull_request_url = ?, pull_request_number = ?, updated_at = now()",
                        pullRequest.url(),
                        pullRequest.number());
            }
            return ok;
        });
    }

    @Override
    public ShellCommand.OutputSink gitOutput(String phase) {
        return new OutputLines(journal, redactor, json, Map.of("source", "git", "phase", phase));
    }

    /** {@code sql} (an UPDATE of runs without WHERE) applied to this run only while it is held under our lease. */
    private boolean fenced(Connection connection, String sql, Object... values) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql + " WHERE id = ? AND lease_token = ?")) {
            int i = 1;
            for (Object value : values) {
                statement.setObject(i++, value);
            }
            statement.setObject(i++, context.runId());
            statement.setObject(i, context.leaseToken());
            return statement.executeUpdate() == 1;
        }
    }
}
