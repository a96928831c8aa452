package dev.agentcenter.runner.run;

import dev.agentcenter.model.AgentConfig;
import dev.agentcenter.model.AgentProvider;
import dev.agentcenter.model.CommandSpec;
import dev.agentcenter.model.RunDiff;
import dev.agentcenter.runner.RunnerProperties;
import dev.agentcenter.runner.agent.AgentException;
import dev.agentcenter.runner.agent.AgentRequest;
import dev.agentcenter.runner.agent.AgentRun;
import dev.agentcenter.runner.agent.Agents;
import dev.agentcenter.runner.delivery.GitDelivery;
import dev.agentcenter.runner.execution.GitException;
import dev.agentcenter.runner.execution.GitWorkspace;
import dev.agentcenter.runner.execution.LoginEnvironment;
import dev.agentcenter.runner.execution.PermissionPolicy;
import dev.agentcenter.runner.execution.SecretRedactor;
import dev.agentcenter.runner.execution.ShellCommand;
import dev.agentcenter.runner.execution.UnsafeGitConfigException;
import dev.agentcenter.runner.execution.WorkspaceEscapeException;
import dev.agentcenter.runner.execution.Workspaces;
import dev.agentcenter.runner.sandbox.RunScope;
import dev.agentcenter.runner.sandbox.Sandbox;
import dev.agentcenter.runner.sandbox.SandboxUnavailableException;
import dev.agentcenter.support.events.RunEventWriter.Draft;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.ObjectMapper;

/**
 * Executes one run: workspace, repository, commands, diff, final status. Every write goes through the run's
 * {@link RunJournal} and is fenced by the lease, so if this runner loses the run (the sweeper failed it after a
 * lease expiry) it stops writing and kills what it started.
 */
final class RunExecution {

    private static final Logger log = LoggerFactory.getLogger(RunExecution.class);
    private static final Duration GIT_TIMEOUT = Duration.ofMinutes(10);

    /** How a run ended. */
    enum Outcome {
        COMPLETED,
        FAILED,
        CANCELLED
    }

    private final RunContext context;
    private final RunnerProperties runner;
    private final ExecutionProperties properties;
    private final DataSource dataSource;
    private final ObjectMapper json;
    private final RepositoryTokens tokens;
    private final Agents agents;
    private final RunJournal journal;
    private final GitDelivery delivery;
    private final LoginEnvironment environment;
    private final RunnerSecrets secrets;
    private final Sandbox sandbox;
    /** Where the run's commands and agent start; open from after the workspace is prepared until the run ends. */
    private Sandbox.Session session;

    private SecretRedactor redactor;
    private String token;

    private volatile boolean cancelRequested;
    private volatile String cancelReason;
    private volatile ShellCommand.Running current;
    private volatile boolean lost;
    /** The run's output passed RUNNER_MAX_OUTPUT_BYTES: its processes are being stopped, the run fails. */
    private volatile boolean outputLimited;
    /** Completed by a cancel or a lost lease: stops the delivery, cancelling a GitHub call in flight. */
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();

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
            Sandbox sandbox) {
        this.context = context;
        this.sandbox = sandbox;
        this.runner = runner;
        this.properties = properties;
        this.dataSource = dataSource;
        this.json = json;
        this.tokens = tokens;
        this.agents = agents;
        this.delivery = delivery;
        this.environment = environment;
        this.secrets = secrets;
        this.redactor = secrets.redactor();
        this.journal = new RunJournal(
                context.runId(),
                context.leaseToken(),
                dataSource,
                properties.outputBufferBytes(),
                properties.maxOutputBytes(),
                this::onLeaseLost,
                this::onOutputLimit);
    }

    UUID runId() {
        return context.runId();
    }

    UUID leaseToken() {
        return context.leaseToken();
    }

    /** Asks the run to stop: the current command's process group gets TERM, then KILL after the grace period. */
    void cancel(String reason) {
        if (cancelRequested) {
            return;
        }
        cancelReason = reason;
        cancelRequested = true;
        stopCurrentCommand();
        stopped.complete(null);
    }

    /** Runs to the end; never throws. */
    Outcome run() {
        Thread renewer = Thread.ofVirtual().name("lease-" + context.runId()).start(this::renewLease);
        Outcome outcome = Outcome.FAILED;
        Path workspace = null;
        try {
            workspace = Workspaces.forTask(runner.workspaceRoot(), context.taskId());
            requireSandboxIfAsked();
            token = tokens.resolve(context.repository());
            redactor = secrets.redactor(token);
            outcome = execute(workspace);
        } catch (RunFailure e) {
            outcome = finish(Outcome.FAILED, e.code(), e.getMessage(), null, workspace, null);
        } catch (SandboxUnavailableException e) {
            outcome = finish(Outcome.FAILED, SandboxUnavailableException.CODE, e.getMessage(), null, workspace, null);
        } catch (RuntimeException e) {
            log.error("Run {} failed unexpectedly", context.runId(), e);
            finish(
                    Outcome.FAILED,
                    "runner_error",
                    "The runner hit an unexpected error: " + e.getMessage(),
                    null,
                    workspace,
                    null);
        } finally {
            if (session != null) {
                session.close();
            }
            renewer.interrupt();
            journal.close();
        }
        if (!lost) {
            // A run taken away from this runner is another holder's now, workspace included.
            cleanUp(outcome, workspace);
        }
        return outcome;
    }

    private Outcome execute(Path workspace) {
        Path absolute = workspace.toAbsolutePath();
        if (!journal.commit(
                List.of(draft(
                        "run.workspace.ready",
                        "info",
                        "Workspace ready at " + absolute,
                        Map.of("workspacePath", absolute.toString()))),
                connection -> update(
                        connection,
                        "UPDATE runs SET started_at = COALESCE(started_at, now()), workspace_path = ?,"
                                + " updated_at = now() WHERE id = ? AND lease_token = ?",
                        absolute.toString()))) {
            return Outcome.FAILED;
        }
        RunContext.Repository repository = context.repository();
        GitWorkspace git = new GitWorkspace(workspace, GIT_TIMEOUT, repository == null ? null : cloneUrl(repository));
        String base;
        try {
            base = prepareRepository(git);
        } catch (UnsafeGitConfigException e) {
            journal.log(unsafeConfigEvent(e.keys(), "refused"));
            return finish(
                    Outcome.FAILED,
                    UnsafeGitConfigException.CODE,
                    redactor.redact(e.getMessage() + "\n\nWhat to do: " + e.hint()),
                    null,
                    workspace,
                    null);
        } catch (GitException e) {
            String tail = e.outputTail().isEmpty() ? "" : "\n\nRecent output:\n" + String.join("\n", e.outputTail());
            return finish(
                    Outcome.FAILED,
                    "git_failed",
                    redactor.redact(e.getMessage() + tail + "\n\nWhat to do: " + e.hint()),
                    null,
                    workspace,
                    null);
        } catch (RunFailure e) {
            return finish(Outcome.FAILED, e.code(), e.getMessage(), null, workspace, null);
        }
        try {
            session = sandbox.open(scope(workspace));
        } catch (SandboxUnavailableException e) {
            return finish(Outcome.FAILED, SandboxUnavailableException.CODE, e.getMessage(), null, workspace, null);
        }
        if (!transition("running", describeWork())) {
            return Outcome.FAILED;
        }
        try {
            Integer exitCode = runCommands(workspace);
            try {
                // Only a run that succeeded delivers; a cancel or a lost lease stops it between steps and cancels a
                // GitHub call in flight.
                delivery.deliver(
                        RunDeliveryJournal.request(context, token, redactor),
                        git,
                        new RunDeliveryJournal(journal, context, json, redactor),
                        stopped);
            } catch (GitDelivery.Failure e) {
                return finish(Outcome.FAILED, e.code(), e.getMessage(), exitCode, workspace, diff(git, base));
            }
            if (cancelRequested) {
                return finish(Outcome.CANCELLED, "cancelled", cancelMessage(), exitCode, workspace, diff(git, base));
            }
            return finish(Outcome.COMPLETED, null, null, exitCode, workspace, diff(git, base));
        } catch (RunFailure e) {
            Outcome outcome = cancelRequested ? Outcome.CANCELLED : Outcome.FAILED;
            String code = cancelRequested ? "cancelled" : e.code();
            String message = cancelRequested ? cancelMessage() : e.getMessage();
            return finish(
                    outcome,
                    code,
                    message,
                    e instanceof CommandFailure f ? f.exitCode : null,
                    workspace,
                    diff(git, base));
        }
    }

    /**
     * Clones (first run of a task) and checks out the branch, or lays a git baseline; returns the diff base. A
     * repository an earlier run left with unsafe git config (see {@link GitWorkspace#removeUnsafeConfig}) has it
     * removed first, before anything uses the token, with a warning.
     */
    private String prepareRepository(GitWorkspace git) {
        RunContext.Repository repository = context.repository();
        List<String> removed = git.removeUnsafeConfig(); // no git process when there is no .git yet
        if (!removed.isEmpty()) {
            journal.log(unsafeConfigEvent(removed, "removed"));
        }
        if (repository == null) {
            if (context.config().agent() == null
                    && !RunDeliveryJournal.request(context, token, redactor).asked()
                    && git.isEmptyDirectory()) {
                // Plain commands in a new, empty workspace: the baseline is "nothing", known without git. It is laid
                // only at the end, and only if the commands left something to diff (see diff()).
                return null;
            }
            return git.initBaseline();
        }
        if (!git.isRepository()) {
            if (!transition("cloning", "Cloning " + repository.fullName())) {
                throw new RunFailure("lease_lost", "The run is no longer held by this runner");
            }
            journal.log(draft(
                    "repo.clone.started",
                    "info",
                    "Cloning " + repository.fullName(),
                    Map.of("repository", repository.fullName())));
            git.cloneInto(token, gitSink("clone"));
            journal.log(draft(
                    "repo.clone.finished",
                    "info",
                    "Cloned " + repository.fullName(),
                    Map.of("repository", repository.fullName())));
        }
        String baseBranch = context.baseBranch() != null ? context.baseBranch() : repository.defaultBranch();
        git.checkout(context.branchName(), baseBranch, token, gitSink("checkout"));
        return git.head();
    }

    private Integer runCommands(Path workspace) {
        List<CommandSpec> commands = context.config().commands() == null
                ? List.of()
                : context.config().commands();
        if (commands.isEmpty() && !hasAgent()) {
            throw new RunFailure("nothing_to_run", "The run has no commands and no agent.");
        }
        Integer lastExit = null;
        if (hasAgent()) {
            // The agent works first; the commands (a test suite, say) then run on what it left.
            lastExit = runAgent(workspace);
            if (cancelRequested || lost) {
                return lastExit;
            }
        }
        PermissionPolicy policy = PermissionPolicy.of(context.permissionMode(), context.blockedCommands());
        for (int index = 0; index < commands.size(); index++) {
            if (cancelRequested || lost) {
                return lastExit;
            }
            lastExit = runCommand(workspace, policy, commands.get(index), index, commands.size());
        }
        requireOutputWithinLimit();
        requireWithinSandboxLimits();
        return lastExit;
    }

    /**
     * A task that requires a sandbox ({@code config.sandbox.required}) on a runner without one fails here, before
     * the workspace is touched and before any process starts.
     */
    private void requireSandboxIfAsked() {
        var config = context.config().sandbox();
        if (config != null && config.requiresSandbox() && sandbox.isolation() == Sandbox.Isolation.NONE) {
            sandbox.open(scope(Workspaces.forTask(runner.workspaceRoot(), context.taskId())));
        }
    }

    private RunScope scope(Path workspace) {
        return new RunScope(
                context.runId(),
                workspace,
                agents.stateDirectory(context.taskId()),
                context.config().sandbox(),
                hasAgent() ? context.config().agent().provider() : null);
    }

    private boolean hasAgent() {
        AgentConfig agent = context.config().agent();
        return agent != null && agent.provider() != null && agent.provider() != AgentProvider.NONE;
    }

    /**
     * Runs the coding agent (see {@link Agents}) in the workspace like a command: in its own process group, cancelled
     * and fenced the same way. Its credential is added to the run's redactor before it starts.
     */
    private Integer runAgent(Path workspace) {
        if (cancelRequested || lost) {
            return null;
        }
        Path cwd;
        try {
            cwd = Workspaces.resolveInside(
                    workspace, context.rootDirectory(), context.config().workingDirectory());
        } catch (WorkspaceEscapeException e) {
            throw new RunFailure("working_directory_invalid", "Agent: " + e.getMessage());
        }
        if (!Files.isDirectory(cwd)) {
            throw new RunFailure(
                    "working_directory_invalid",
                    "Agent: the working directory " + workspace.relativize(cwd) + " does not exist in the workspace");
        }
        AgentRequest request = new AgentRequest(
                context.runId(),
                context.taskId(),
                context.attempt(),
                context.source(),
                context.prompt(),
                context.taskPrompt(),
                context.config().agent(),
                context.permissionMode(),
                cwd);
        AgentRun.Result result;
        ShellCommand.Outcome outcome;
        try (AgentRun agent = agents.prepare(request)) {
            redactor = redactor.with(agent.secrets().toArray(String[]::new));
            try {
                current = agent.start(redactor, journal::output, properties.cancelGrace(), session::start);
                if (cancelRequested || lost) {
                    stopCurrentCommand();
                }
                outcome = current.await();
            } catch (IOException e) {
                throw new RunFailure(
                        "agent_not_started",
                        agent.label() + " could not be started: " + redactor.redact(e.getMessage()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RunFailure("runner_interrupted", agent.label() + " was interrupted");
            } finally {
                current = null;
            }
            result = agent.finish(outcome);
        } catch (AgentException e) {
            throw new RunFailure(e.code(), e.getMessage());
        }
        requireOutputWithinLimit();
        requireWithinSandboxLimits();
        if (!result.ok() && !result.cancelled()) {
            throw result.exitCode() != null
                    ? new CommandFailure(result.code(), result.message(), result.exitCode())
                    : new RunFailure(result.code(), result.message());
        }
        return outcome.exitCode();
    }

    private int runCommand(Path workspace, PermissionPolicy policy, CommandSpec command, int index, int total) {
        String label = "Command " + (index + 1) + "/" + total;
        Optional<String> blocked = policy.violation(command.command());
        if (blocked.isPresent()) {
            journal.log(draft(
                    "run.command.blocked",
                    "error",
                    label + " blocked by rule '" + blocked.get() + "'",
                    Map.of("index", index, "rule", blocked.get(), "command", redactor.redact(command.command()))));
            throw new RunFailure(
                    "command_blocked",
                    label + " was blocked by the "
                            + context.permissionMode().wire() + " permission mode (rule: " + blocked.get()
                            + ") and never started. Permission modes are a blocklist, not a sandbox.");
        }
        Path cwd;
        try {
            cwd = Workspaces.resolveInside(
                    workspace, context.rootDirectory(), context.config().workingDirectory(), command.cwd());
        } catch (WorkspaceEscapeException e) {
            throw new RunFailure("working_directory_invalid", label + ": " + e.getMessage());
        }
        if (!Files.isDirectory(cwd)) {
            throw new RunFailure(
                    "working_directory_invalid",
                    label + ": the working directory " + workspace.relativize(cwd)
                            + " does not exist in the workspace");
        }
        Map<String, Object> started = new LinkedHashMap<>();
        started.put("index", index);
        started.put("total", total);
        started.put("command", redactor.redact(command.command()));
        started.put("cwd", cwd.toString());
        journal.log(draft("run.command.started", "info", label + " started", started));
        Duration timeout = command.timeoutSeconds() == null ? null : Duration.ofSeconds(command.timeoutSeconds());
        List<String> argv = new ArrayList<>(runner.shellCommand());
        argv.add(command.command());
        ShellCommand.ArgvSpec spec = new ShellCommand.ArgvSpec(
                argv,
                cwd,
                environment.forCommand(command.env() == null ? Map.of() : command.env()),
                null,
                timeout,
                ShellCommand.MAX_LINE_BYTES);
        ShellCommand.Outcome outcome;
        try {
            current = session.start(
                    spec,
                    new OutputLines(journal, redactor, json, Map.of("commandIndex", index)),
                    ShellCommand.TIMEOUT_GRACE);
            if (cancelRequested || lost) {
                stopCurrentCommand();
            }
            outcome = current.await();
        } catch (IOException e) {
            throw new RunFailure("command_not_started", label + " could not be started: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RunFailure("runner_interrupted", label + " was interrupted");
        } finally {
            current = null;
        }
        Map<String, Object> finished = new LinkedHashMap<>();
        finished.put("index", index);
        finished.put("total", total);
        finished.put("exitCode", outcome.exitCode());
        finished.put("durationMs", outcome.duration().toMillis());
        finished.put("timedOut", outcome.timedOut());
        finished.put("cancelled", outcome.cancelled());
        boolean ok = outcome.exitCode() == 0 && !outcome.timedOut() && !outcome.cancelled();
        String message = ok ? label + " finished" : label + " failed with exit code " + outcome.exitCode();
        journal.log(draft("run.command.finished", ok ? "info" : "error", message, finished));
        requireOutputWithinLimit();
        requireWithinSandboxLimits();
        if (outcome.timedOut()) {
            throw new CommandFailure(
                    "command_timed_out",
                    label + " timed out after " + command.timeoutSeconds() + " s and was stopped",
                    outcome.exitCode());
        }
        if (!ok && !outcome.cancelled()) {
            throw new CommandFailure(
                    "command_failed",
                    label + " failed with exit code " + outcome.exitCode() + ": " + redactor.redact(command.command()),
                    outcome.exitCode());
        }
        return outcome.exitCode();
    }

    /** Writes the final status, its events and the diff in one transaction. */
    private Outcome finish(
            Outcome outcome,
            String errorCode,
            String errorMessage,
            Integer exitCode,
            Path workspace,
            GitWorkspace.DiffResult diff) {
        String status = outcome.name().toLowerCase(java.util.Locale.ROOT);
        String level = switch (outcome) {
            case COMPLETED -> "info";
            case CANCELLED -> "warn";
            case FAILED -> "error";
        };
        String summary = switch (outcome) {
            case COMPLETED -> "Run completed";
            case CANCELLED -> errorMessage;
            case FAILED -> errorMessage;
        };
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("status", status);
        if (errorCode != null) {
            payload.put("code", errorCode);
        }
        if (exitCode != null) {
            payload.put("exitCode", exitCode);
        }
        if (workspace != null) {
            payload.put("workspacePath", workspace.toAbsolutePath().toString());
        }
        if (outputLimited) {
            payload.put("maxOutputBytes", properties.maxOutputBytes());
            payload.put("droppedOutputBytes", journal.droppedOutputBytes());
        }
        List<Draft> drafts = List.of(
                draft("run.status_changed", level, "Run " + status, Map.of("status", status)),
                draft("run." + status, level, summary, payload));
        // Retried by the journal while Postgres cannot be reached: false only when the run is no longer ours.
        boolean recorded = journal.commit(drafts, connection -> {
            boolean updated = update(connection, """
                            UPDATE runs SET status = ?, finished_at = now(), error_code = ?, error_message = ?,
                                            exit_code = ?, lease_expires_at = NULL, updated_at = now()
                             WHERE id = ? AND lease_token = ?""", status, errorCode, errorMessage, exitCode);
            if (updated && diff != null) {
                storeDiff(connection, diff);
            }
            return updated;
        });
        if (!recorded) {
            log.warn(
                    "Run {} ended {} here, but that was not recorded: the run is no longer held by this runner",
                    context.runId(),
                    status);
        }
        return outcome;
    }

    private boolean transition(String status, String message) {
        return journal.commit(
                List.of(draft("run.status_changed", "info", message, Map.of("status", status))),
                connection -> update(
                        connection,
                        "UPDATE runs SET status = ?, updated_at = now() WHERE id = ? AND lease_token = ?",
                        status));
    }

    private GitWorkspace.DiffResult diff(GitWorkspace git, String base) {
        try {
            if (base == null) {
                if (git.isEmptyDirectory()) {
                    return GitWorkspace.DiffResult.EMPTY; // a baseline of nothing, and still nothing: no git at all
                }
                base = git.laterBaselineOfNothing();
            }
            return git.diffSince(base, properties.maxPatchBytes());
        } catch (RuntimeException e) {
            journal.log(draft(
                    "run.log",
                    "warn",
                    "Could not compute the workspace diff: " + e.getMessage(),
                    Map.of("source", "runner")));
            return null;
        }
    }

    private void storeDiff(Connection connection, GitWorkspace.DiffResult diff) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("""
                INSERT INTO run_diffs (run_id, files, stats, patch, truncated)
                VALUES (?, CAST(? AS jsonb), CAST(? AS jsonb), ?, ?)
                ON CONFLICT (run_id) DO UPDATE SET files = EXCLUDED.files, stats = EXCLUDED.stats,
                    patch = EXCLUDED.patch, truncated = EXCLUDED.truncated, created_at = now()""")) {
            statement.setObject(1, context.runId());
            statement.setString(2, json.writeValueAsString(diff.files()));
            statement.setString(
                    3, json.writeValueAsString(diff.stats() == null ? new RunDiff.Stats(0, 0, 0) : diff.stats()));
            statement.setString(4, redactor.redact(diff.patch()).replace("\0", ""));
            statement.setBoolean(5, diff.truncated());
            statement.executeUpdate();
        }
    }

    /** Fenced row update: the last two parameters are always the run id and lease token. */
    private boolean update(Connection connection, String sql, Object... values) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            int i = 1;
            for (Object value : values) {
                statement.setObject(i++, value);
            }
            statement.setObject(i++, context.runId());
            statement.setObject(i, context.leaseToken());
            return statement.executeUpdate() == 1;
        }
    }

    /**
     * Renews the lease every third of it. A renewal that fails (Postgres unreachable) is tried again every second
     * rather than at the next third, so a lease that was not renewed during an outage is renewed as soon as the
     * database is back, well within the time the sweeper allows after an outage (see LeaseSweeper).
     */
    private void renewLease() {
        Duration every = properties.renewEvery();
        Duration wait = every;
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(wait);
            } catch (InterruptedException e) {
                return;
            }
            try (Connection connection = dataSource.getConnection();
                    PreparedStatement statement = connection.prepareStatement("""
                            UPDATE runs SET lease_expires_at = now() + make_interval(secs => ?)
                             WHERE id = ? AND lease_token = ? AND status IN ('provisioning', 'cloning', 'running')""")) {
                statement.setInt(1, properties.leaseSeconds());
                statement.setObject(2, context.runId());
                statement.setObject(3, context.leaseToken());
                if (statement.executeUpdate() == 0) {
                    onLeaseLost();
                    return;
                }
                if (wait != every) {
                    log.info("Renewed the lease of run {} again", context.runId());
                }
                wait = every;
            } catch (SQLException e) {
                // Postgres unreachable: try again soon; the sweeper does not count time the database was down.
                if (wait == every) {
                    log.warn("Could not renew the lease of run {}: {}", context.runId(), e.getMessage());
                }
                wait = Duration.ofSeconds(1).compareTo(every) < 0 ? Duration.ofSeconds(1) : every;
            }
        }
    }

    private void onLeaseLost() {
        if (!lost) {
            lost = true;
            log.warn("Run {} was taken away from this runner; stopping it", context.runId());
            journal.leaseLost();
            stopCurrentCommand();
            stopped.complete(null);
        }
    }

    /** Called once, from an output reader, when the run's output passes RUNNER_MAX_OUTPUT_BYTES. */
    private void onOutputLimit(long maxOutputBytes) {
        if (!outputLimited) {
            outputLimited = true;
            log.warn(
                    "Run {} printed more than {} bytes (RUNNER_MAX_OUTPUT_BYTES); stopping it",
                    context.runId(),
                    maxOutputBytes);
            stopCurrentCommand();
            stopped.complete(null);
        }
    }

    private void requireOutputWithinLimit() {
        if (outputLimited) {
            throw new RunFailure(
                    "output_limit_exceeded",
                    "The run printed more than " + properties.maxOutputBytes() + " bytes of output"
                            + " (RUNNER_MAX_OUTPUT_BYTES), so it was stopped. What its processes printed while they"
                            + " were stopping is kept up to 1 MiB more; the rest was counted and not stored.");
        }
    }

    /**
     * A run that went past a resource limit of its sandbox (memory, processes, disk) has had everything it ran killed;
     * it fails with the limit's code ({@code memory_limit_exceeded}, …).
     */
    private void requireWithinSandboxLimits() {
        if (session != null) {
            session.limitBreach().ifPresent(breach -> {
                throw new RunFailure(breach.code(), breach.message());
            });
        }
    }

    private void stopCurrentCommand() {
        ShellCommand.Running running = current;
        if (running != null) {
            Thread.ofVirtual().start(() -> running.cancel(properties.cancelGrace()));
        }
    }

    private void cleanUp(Outcome outcome, Path workspace) {
        if (workspace == null
                || runner.cleanupMode() != RunnerProperties.CleanupMode.DELETE_ON_COMPLETION
                || outcome == Outcome.FAILED) {
            return;
        }
        try (Stream<Path> files = Files.walk(workspace)) {
            List<Path> all =
                    new ArrayList<>(files.sorted(Comparator.reverseOrder()).toList());
            for (Path path : all) {
                Files.deleteIfExists(path);
            }
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

    private String cancelMessage() {
        return cancelReason == null ? "Run cancelled" : cancelReason;
    }

    private String cloneUrl(RunContext.Repository repository) {
        String base = properties.gitBaseUrl().replaceAll("/+$", "");
        return base + "/" + repository.owner() + "/" + repository.repo() + ".git";
    }

    private ShellCommand.OutputSink gitSink(String phase) {
        return new OutputLines(journal, redactor, json, Map.of("source", "git", "phase", phase));
    }

    /** {@code git.config.unsafe}: keys of the workspace's git config the runner removed or refused to work with. */
    private Draft unsafeConfigEvent(List<String> keys, String action) {
        boolean removed = action.equals("removed");
        return draft(
                "git.config.unsafe",
                removed ? "warn" : "error",
                (removed
                                ? "Removed git config an earlier run left in the workspace, which could run programs"
                                        + " or send the repository token elsewhere: "
                                : "The workspace's git config could run programs or send the repository token"
                                        + " elsewhere: ")
                        + redactor.redact(String.join(", ", keys)),
                Map.of("keys", keys.stream().map(redactor::redact).toList(), "action", action));
    }

    private Draft draft(String type, String level, String message, Map<String, Object> payload) {
        return new Draft(type, level, message, json.writeValueAsString(payload));
    }

    /** A command that ended badly, with its exit code kept for the run. */
    private static final class CommandFailure extends RunFailure {
        private final int exitCode;

        CommandFailure(String code, String message, int exitCode) {
            super(code, message);
            this.exitCode = exitCode;
        }
    }
}
