package dev.agentcenter.runner.run;

import dev.agentcenter.model.AgentConfig;
import dev.agentcenter.model.AgentProvider;
import dev.agentcenter.model.CommandSpec;
import dev.agentcenter.model.RunEventTypes;
import dev.agentcenter.model.RunStatus;
import dev.agentcenter.runner.RunnerProperties;
import dev.agentcenter.runner.agent.Agents;
import dev.agentcenter.runner.delivery.GitDelivery;
import dev.agentcenter.runner.execution.LoginEnvironment;
import dev.agentcenter.runner.execution.PermissionPolicy;
import dev.agentcenter.runner.execution.Workspaces;
import dev.agentcenter.runner.metrics.RunnerMetrics;
import dev.agentcenter.runner.sandbox.Sandbox;
import dev.agentcenter.runner.sandbox.SandboxUnavailableException;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.ObjectMapper;

/**
 * Executes one run, in named steps: {@link PrepareWorkspaceStep prepare the workspace}, {@link AgentStep run the
 * agent}, {@link CommandsStep run the commands}, {@link #deliver deliver}, {@link FinishStep finish}; a
 * {@link LeaseKeeper} renews the lease meanwhile. Every write goes through the run's {@link RunJournal} and is
 * fenced by the lease, so if this runner loses the run (the sweeper failed it after a lease expiry) it stops
 * writing and kills what it started.
 */
final class RunExecution {

    private static final Logger log = LoggerFactory.getLogger(RunExecution.class);

    /** How a run ended. */
    enum Outcome {
        COMPLETED,
        FAILED,
        CANCELLED
    }

    private final RunScope run;
    private final RunContext context;
    private final RunnerProperties runner;
    private final ExecutionProperties properties;
    private final DataSource dataSource;
    private final RepositoryTokens tokens;
    private final GitDelivery delivery;
    private final RunnerSecrets secrets;
    private final AgentStep agent;
    private final CommandsStep commands;
    private final FinishStep finish;
    private final Agents agents;
    private final Sandbox sandbox;
    private final RunTimeLimits timeLimits;

    RunExecution(
            RunContext context,
            RunnerProperties runner,
            ExecutionProperties properties,
            DataSource dataSource,
            ObjectMapper json,
            RepositoryTokens tokens,
            Agents agents,
            GitDelivery delivery,
            LoginEnvironment environment,
            RunnerSecrets secrets,
            RunBudgets budgets,
            RunnerMetrics metrics,
            Sandbox sandbox,
            RunTimeLimits timeLimits) {
        this.sandbox = sandbox;
        this.timeLimits = timeLimits;
        this.context = context;
        this.runner = runner;
        this.properties = properties;
        this.dataSource = dataSource;
        this.tokens = tokens;
        this.delivery = delivery;
        this.secrets = secrets;
        this.agents = agents;
        this.run = new RunScope(context, properties, dataSource, json, secrets.redactor(), metrics);
        this.agent = new AgentStep(run, agents, budgets);
        this.commands = new CommandsStep(run, runner.shellCommand(), environment);
        this.finish = new FinishStep(run);
    }

    UUID runId() {
        return context.runId();
    }

    UUID leaseToken() {
        return context.leaseToken();
    }

    /** Asks the run to stop: the current command's process group gets TERM, then KILL after the grace period. */
    void cancel(String reason) {
        run.cancel(reason);
    }

    /** Runs to the end; never throws. */
    Outcome run() {
        // Counted from when the runner accepted the run, and disarmed however it ends: no timer outlives its run.
        RunTimeLimits.Armed timeLimit = timeLimits.arm(run.sinceAccepted(), run::onTimeLimit);
        LeaseKeeper renewer = LeaseKeeper.start(
                run.leased(),
                context.runId(),
                dataSource,
                properties.renewEvery(),
                properties.leaseSeconds(),
                run::onLeaseLost);
        Outcome outcome = Outcome.FAILED;
        Path workspace = null;
        try {
            boolean staleCopy = context.rehomedFrom() != null && discardStaleCopy();
            workspace = Workspaces.forTask(runner.workspaceRoot(), context.taskId());
            requireSandboxIfAsked();
            run.token(tokens.resolve(context.repository()));
            run.redactor(secrets.redactor(run.token()));
            if (context.rehomedFrom() != null) {
                run.journal().log(workspaceRecreated(staleCopy));
            }
            outcome = execute(workspace);
        } catch (RunFailure e) {
            RunFailure failure = run.failureOf(e);
            outcome = finish.finish(Outcome.FAILED, failure.code(), failure.getMessage(), null, workspace, null);
        } catch (SandboxUnavailableException e) {
            outcome = finish.finish(
                    Outcome.FAILED, SandboxUnavailableException.CODE, e.getMessage(), null, workspace, null);
        } catch (RuntimeException e) {
            log.error("Run {} failed unexpectedly", context.runId(), e);
            finish.finish(
                    Outcome.FAILED,
                    "runner_error",
                    "The runner hit an unexpected error: " + e.getMessage(),
                    null,
                    workspace,
                    null);
        } finally {
            timeLimit.disarm();
            if (run.session() != null) {
                run.session().close();
            }
            renewer.stop();
            run.journal().close();
        }
        if (!run.lost()) {
            // A run taken away from this runner is another holder's now, workspace included.
            cleanUp(outcome, workspace);
        }
        return outcome;
    }

    private Outcome execute(Path workspace) {
        // The sandbox (its network, its cgroup, its first process) is set up while the workspace is prepared.
        CompletableFuture<Sandbox.Session> opening = CompletableFuture.supplyAsync(
                () -> sandbox.open(sandboxScope(workspace)),
                task -> Thread.ofVirtual().name("sandbox-" + context.runId()).start(task));
        PrepareWorkspaceStep.Prepared prepared = null;
        try {
            prepared = new PrepareWorkspaceStep(run, this::recordWorkspaceHome).prepare(workspace);
        } catch (RunFailure e) {
            return stoppedOrFailed(e, null, workspace, null); // a stop also cuts a clone or fetch short
        } finally {
            if (prepared == null) {
                opening.thenAccept(Sandbox.Session::close);
            }
        }
        if (prepared == null) {
            return Outcome.FAILED;
        }
        try {
            run.session(opening.join());
        } catch (CompletionException e) {
            if (e.getCause() instanceof SandboxUnavailableException unavailable) {
                return finish.finish(
                        Outcome.FAILED,
                        SandboxUnavailableException.CODE,
                        unavailable.getMessage(),
                        null,
                        workspace,
                        null);
            }
            throw e.getCause() instanceof RuntimeException cause ? cause : e;
        }
        run.metrics().dispatchToStart(run.sinceAccepted());
        if (!run.transition(RunStatus.RUNNING, describeWork())) {
            return Outcome.FAILED;
        }
        try {
            Integer exitCode = work(workspace);
            run.requireWithinRunLimits(); // a limit that passed between two steps: nothing is delivered
            try {
                deliver(prepared);
            } catch (GitDelivery.Failure e) {
                RunFailure failure = run.failureOf(new RunFailure(e.code(), e.getMessage()));
                return finish.finish(
                        Outcome.FAILED, failure.code(), failure.getMessage(), exitCode, workspace, diff(prepared));
            }
            run.requireWithinRunLimits(); // the limit stopped the delivery part way
            if (run.cancelRequested()) {
                return finish.finish(
                        Outcome.CANCELLED, "cancelled", run.cancelMessage(), exitCode, workspace, diff(prepared));
            }
            return finish.finish(Outcome.COMPLETED, null, null, exitCode, workspace, diff(prepared));
        } catch (RunFailure e) {
            return stoppedOrFailed(e, e instanceof CommandFailure f ? f.exitCode() : null, workspace, diff(prepared));
        }
    }

    /**
     * A step failed: the run ends the way its first stop signal says (see {@link RunScope}), since the failure may
     * be what the stop did (a killed clone, say), else with the step's failure.
     */
    private Outcome stoppedOrFailed(
            RunFailure e,
            Integer exitCode,
            Path workspace,
            dev.agentcenter.runner.execution.GitWorkspace.DiffResult diff) {
        if (run.cancelRequested()) {
            return finish.finish(Outcome.CANCELLED, "cancelled", run.cancelMessage(), exitCode, workspace, diff);
        }
        RunFailure failure = run.failureOf(e);
        return finish.finish(Outcome.FAILED, failure.code(), failure.getMessage(), exitCode, workspace, diff);
    }

    /** Steps 2 and 3: the agent works first; the commands (a test suite, say) then run on what it left. */
    private Integer work(Path workspace) {
        List<CommandSpec> specs = context.config().commands() == null
                ? List.of()
                : context.config().commands();
        if (specs.isEmpty() && !hasAgent()) {
            throw new RunFailure("nothing_to_run", "The run has no commands and no agent.");
        }
        Integer lastExit = null;
        if (hasAgent()) {
            lastExit = agent.runAgent(workspace);
            if (run.stopping()) {
                return lastExit;
            }
        }
        PermissionPolicy policy = PermissionPolicy.of(context.permissionMode(), context.blockedCommands());
        for (int index = 0; index < specs.size(); index++) {
            if (run.stopping()) {
                return lastExit;
            }
            lastExit = commands.runCommand(workspace, policy, specs.get(index), index, specs.size());
        }
        run.requireWithinRunLimits();
        run.requireWithinSandboxLimits();
        return lastExit;
    }

    /**
     * Step 4, deliver: only a run that succeeded delivers; a cancel or a lost lease stops it between steps and
     * cancels a GitHub call in flight.
     */
    private void deliver(PrepareWorkspaceStep.Prepared prepared) {
        delivery.deliver(
                RunDeliveryJournal.request(context, run.token(), run.redactor()),
                prepared.git(),
                new RunDeliveryJournal(run.journal(), context, run.json(), run.redactor()),
                run.stopped());
    }

    private dev.agentcenter.runner.execution.GitWorkspace.DiffResult diff(PrepareWorkspaceStep.Prepared prepared) {
        return finish.diff(prepared.git(), prepared.base());
    }

    private boolean hasAgent() {
        AgentConfig agentConfig = context.config().agent();
        return agentConfig != null && agentConfig.provider() != null && agentConfig.provider() != AgentProvider.NONE;
    }

    private void cleanUp(Outcome outcome, Path workspace) {
        if (workspace == null
                || runner.cleanupMode() != RunnerProperties.CleanupMode.DELETE_ON_COMPLETION
                || outcome == Outcome.FAILED) {
            return;
        }
        try {
            Workspaces.deleteTree(workspace);
        } catch (IOException e) {
            log.warn("Could not delete workspace {}: {}", workspace, e.getMessage());
        }
    }

    private String describeWork() {
        int commands = context.config().commands() == null
                ? 0
                : context.config().commands().size();
        String counted = commands + " command" + (commands == 1 ? "" : "s");
        if (!hasAgent()) {
            return "Running " + counted;
        }
        String agent = context.config().agent().provider() == AgentProvider.CODEX ? "Codex" : "Claude Code";
        return commands == 0 ? "Running " + agent : "Running " + agent + ", then " + counted;
    }

    /**
     * Records this runner as the one holding the task's workspace (workspace affinity: the worker sends the task's
     * later runs here). Not when workspaces are deleted after each run: there is nothing to come back to.
     */
    private void recordWorkspaceHome(Connection connection) throws SQLException {
        if (runner.cleanupMode() == RunnerProperties.CleanupMode.DELETE_ON_COMPLETION) {
            return;
        }
        try (PreparedStatement statement = connection.prepareStatement("""
                UPDATE tasks SET workspace_runner_id = home.id
                  FROM (SELECT id FROM runners WHERE name = ?) home
                 WHERE tasks.id = ? AND tasks.workspace_runner_id IS DISTINCT FROM home.id""")) {
            statement.setString(1, runner.name());
            statement.setObject(2, context.taskId());
            statement.executeUpdate();
        }
    }

    /**
     * A re-homed run starts clean: a copy of the task's workspace (and agent session) this runner kept from an earlier
     * stay is older than what the task continued on the other runner, so it is deleted rather than reused.
     *
     * @return whether there was such a copy
     */
    private boolean discardStaleCopy() {
        try {
            boolean workspace = Workspaces.deleteTree(runner.workspaceRoot()
                    .toAbsolutePath()
                    .normalize()
                    .resolve(context.taskId().toString()));
            boolean agentState = agents.forgetTask(context.taskId());
            return workspace || agentState;
        } catch (IOException e) {
            throw new RunFailure(
                    "workspace_unavailable", "Could not clear a stale copy of the task's workspace: " + e.getMessage());
        }
    }

    /** {@code run.workspace.recreated}: what a re-homed run starts from, so no workspace is empty without a word. */
    private dev.agentcenter.support.ledger.RunEventWriter.Draft workspaceRecreated(boolean staleCopyDiscarded) {
        RunContext.Repository repository = context.repository();
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("fromRunnerId", context.rehomedFrom().toString());
        payload.put("staleCopyDiscarded", staleCopyDiscarded);
        payload.put("agentSession", "new");
        String start;
        if (repository != null) {
            String branch = context.branchName() != null ? context.branchName() : context.baseBranch();
            payload.put("repository", repository.fullName());
            payload.put("branch", branch);
            start = "cloning " + repository.fullName() + " again"
                    + (branch == null ? "" : " at branch " + branch + " (its pushed commits are kept)")
                    + "; uncommitted files of earlier runs are not here";
        } else {
            start = "starting from an empty workspace: files of earlier runs are not here";
        }
        return run.draft(
                RunEventTypes.RUN_WORKSPACE_RECREATED,
                "warn",
                "This runner did not hold the task's workspace: " + start
                        + (hasAgent() ? "; the agent starts a new session" : ""),
                payload);
    }

    /**
     * A task that requires a sandbox ({@code config.sandbox.required}) on a runner without one fails here, before
     * the workspace is touched and before any process starts.
     */
    private void requireSandboxIfAsked() {
        var config = context.config().sandbox();
        if (config != null && config.requiresSandbox() && sandbox.isolation() == Sandbox.Isolation.NONE) {
            sandbox.open(sandboxScope(Workspaces.forTask(runner.workspaceRoot(), context.taskId())));
        }
    }

    private dev.agentcenter.runner.sandbox.SandboxScope sandboxScope(Path workspace) {
        return new dev.agentcenter.runner.sandbox.SandboxScope(
                context.runId(),
                workspace,
                agents.stateDirectory(context.taskId()),
                context.config().sandbox(),
                hasAgent() ? context.config().agent().provider() : null);
    }
}
