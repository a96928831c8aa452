package dev.agentcenter.runner.run;

import dev.agentcenter.runner.delivery.GitDelivery;
import dev.agentcenter.runner.delivery.GitHubPulls;
import dev.agentcenter.runner.execution.SecretRedactor;
import dev.agentcenter.runner.execution.ShellCommand;
import dev.agentcenter.support.ledger.LeasedRun;
import dev.agentcenter.support.ledger.RunEventWriter.Draft;
import java.sql.PreparedStatement;
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
    private final LeasedRun run;

    RunDeliveryJournal(RunJournal journal, RunContext context, ObjectMapper json, SecretRedactor redactor) {
        this.journal = journal;
        this.context = context;
        this.json = json;
        this.redactor = redactor;
        this.run = new LeasedRun(context.runId(), context.leaseToken());
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
                ok = run.setBranch(connection, newBranch);
                try (PreparedStatement task = connection.prepareStatement(
                        "UPDATE tasks SET branch_name = ?, updated_at = now() WHERE id = ? AND branch_name IS NULL")) {
                    task.setString(1, newBranch);
                    task.setObject(2, context.taskId());
                    task.executeUpdate();
                }
            }
            if (ok && pullRequest != null) {
                ok = run.setPullRequest(connection, pullRequest.url(), pullRequest.number());
            }
            return ok;
        });
    }

    @Override
    public ShellCommand.OutputSink gitOutput(String phase) {
        return new OutputLines(journal, redactor, json, Map.of("source", "git", "phase", phase));
    }
}
