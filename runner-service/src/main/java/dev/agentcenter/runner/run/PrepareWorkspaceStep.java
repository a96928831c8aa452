package dev.agentcenter.runner.run;

import dev.agentcenter.model.RunEventTypes;
import dev.agentcenter.model.RunStatus;
import dev.agentcenter.runner.execution.GitException;
import dev.agentcenter.runner.execution.GitWorkspace;
import dev.agentcenter.runner.execution.ShellCommand;
import dev.agentcenter.runner.execution.UnsafeGitConfigException;
import dev.agentcenter.support.ledger.RunEventWriter.Draft;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Step 1, prepare the workspace: records that the run started there, then clones (first run of a task) and checks
 * out the branch, or lays a git baseline. Git problems become {@link RunFailure}s with their hint.
 */
final class PrepareWorkspaceStep {

    private static final Duration GIT_TIMEOUT = Duration.ofMinutes(10);

    /** A prepared workspace and the commit its diff is taken against ({@code null}: a baseline of nothing). */
    record Prepared(GitWorkspace git, String base) {}

    private final RunScope run;
    private final WorkspaceHome home;

    /** Records, in the workspace-ready commit, that this runner now holds the task's workspace. */
    @FunctionalInterface
    interface WorkspaceHome {
        void record(java.sql.Connection connection) throws java.sql.SQLException;
    }

    PrepareWorkspaceStep(RunScope run, WorkspaceHome home) {
        this.run = run;
        this.home = home;
    }

    /**
     * @return the prepared workspace, or {@code null} when the run turned out not to be ours any more
     * @throws RunFailure when the repository cannot be prepared
     */
    Prepared prepare(Path workspace) {
        Path absolute = workspace.toAbsolutePath();
        if (!run.journal()
                .commit(
                        List.of(run.draft(
                                RunEventTypes.RUN_WORKSPACE_READY,
                                "info",
                                "Workspace ready at " + absolute,
                                Map.of("workspacePath", absolute.toString()))),
                        connection -> {
                            if (!run.leased().markStarted(connection, absolute.toString())) {
                                return false;
                            }
                            home.record(connection);
                            return true;
                        })) {
            return null;
        }
        RunContext.Repository repository = run.context().repository();
        GitWorkspace git = new GitWorkspace(workspace, GIT_TIMEOUT, repository == null ? null : cloneUrl(repository));
        git.stopDownloadsOn(run.stopped()); // a cancel or a limit does not wait for a slow clone
        try {
            return new Prepared(git, prepareRepository(git));
        } catch (UnsafeGitConfigException e) {
            run.journal().log(unsafeConfigEvent(e.keys(), "refused"));
            throw new RunFailure(
                    UnsafeGitConfigException.CODE,
                    run.redactor().redact(e.getMessage() + "\n\nWhat to do: " + e.hint()));
        } catch (GitException e) {
            String tail = e.outputTail().isEmpty() ? "" : "\n\nRecent output:\n" + String.join("\n", e.outputTail());
            throw new RunFailure(
                    "git_failed", run.redactor().redact(e.getMessage() + tail + "\n\nWhat to do: " + e.hint()));
        }
    }

    /**
     * Clones (first run of a task) and checks out the branch, or lays a git baseline; returns the diff base. A
     * repository an earlier run left with unsafe git config (see {@link GitWorkspace#removeUnsafeConfig}) has it
     * removed first, before anything uses the token, with a warning.
     */
    private String prepareRepository(GitWorkspace git) {
        RunContext context = run.context();
        String token = run.token();
        RunContext.Repository repository = context.repository();
        List<String> removed = git.removeUnsafeConfig(); // no git process when there is no .git yet
        if (!removed.isEmpty()) {
            run.journal().log(unsafeConfigEvent(removed, "removed"));
        }
        if (repository == null) {
            if (context.config().agent() == null
                    && !RunDeliveryJournal.request(context, token, run.redactor())
                            .asked()
                    && git.isEmptyDirectory()) {
                // Plain commands in a new, empty workspace: the baseline is "nothing", known without git. It is laid
                // only at the end, and only if the commands left something to diff (see FinishStep.diff()).
                return null;
            }
            return git.initBaseline();
        }
        if (!git.isRepository()) {
            if (!run.transition(RunStatus.CLONING, "Cloning " + repository.fullName())) {
                throw new RunFailure("lease_lost", "The run is no longer held by this runner");
            }
            run.journal()
                    .log(run.draft(
                            RunEventTypes.REPO_CLONE_STARTED,
                            "info",
                            "Cloning " + repository.fullName(),
                            Map.of("repository", repository.fullName())));
            git.cloneInto(token, gitSink("clone"));
            run.journal()
                    .log(run.draft(
                            RunEventTypes.REPO_CLONE_FINISHED,
                            "info",
                            "Cloned " + repository.fullName(),
                            Map.of("repository", repository.fullName())));
        }
        String baseBranch = context.baseBranch() != null ? context.baseBranch() : repository.defaultBranch();
        git.checkout(context.branchName(), baseBranch, token, gitSink("checkout"));
        return git.head();
    }

    private String cloneUrl(RunContext.Repository repository) {
        String base = run.properties().gitBaseUrl().replaceAll("/+$", "");
        return base + "/" + repository.owner() + "/" + repository.repo() + ".git";
    }

    private ShellCommand.OutputSink gitSink(String phase) {
        return run.output(Map.of("source", "git", "phase", phase));
    }

    /** {@code git.config.unsafe}: keys of the workspace's git config the runner removed or refused to work with. */
    private Draft unsafeConfigEvent(List<String> keys, String action) {
        boolean removed = action.equals("removed");
        return run.draft(
                RunEventTypes.GIT_CONFIG_UNSAFE,
                removed ? "warn" : "error",
                (removed
                                ? "Removed git config an earlier run left in the workspace, which could run programs"
                                        + " or send the repository token elsewhere: "
                                : "The workspace's git config could run programs or send the repository token"
                                        + " elsewhere: ")
                        + run.redactor().redact(String.join(", ", keys)),
                Map.of("keys", keys.stream().map(run.redactor()::redact).toList(), "action", action));
    }
}
