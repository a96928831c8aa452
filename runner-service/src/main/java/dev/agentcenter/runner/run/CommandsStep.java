package dev.agentcenter.runner.run;

import dev.agentcenter.model.CommandSpec;
import dev.agentcenter.model.RunEventTypes;
import dev.agentcenter.runner.execution.LoginEnvironment;
import dev.agentcenter.runner.execution.PermissionPolicy;
import dev.agentcenter.runner.execution.ShellCommand;
import dev.agentcenter.runner.execution.WorkspaceEscapeException;
import dev.agentcenter.runner.execution.Workspaces;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Step 3, run the commands: each one checked against the permission mode, started in the workspace with the login
 * environment, its output journaled, and its end recorded; the first that fails fails the run.
 */
final class CommandsStep {

    private final RunScope run;
    private final List<String> shell;
    private final LoginEnvironment environment;

    CommandsStep(RunScope run, List<String> shell, LoginEnvironment environment) {
        this.run = run;
        this.shell = shell;
        this.environment = environment;
    }

    int runCommand(Path workspace, PermissionPolicy policy, CommandSpec command, int index, int total) {
        String label = "Command " + (index + 1) + "/" + total;
        Optional<String> blocked = policy.violation(command.command());
        if (blocked.isPresent()) {
            run.journal()
                    .log(run.draft(
                            RunEventTypes.RUN_COMMAND_BLOCKED,
                            "error",
                            label + " blocked by rule '" + blocked.get() + "'",
                            Map.of(
                                    "index",
                                    index,
                                    "rule",
                                    blocked.get(),
                                    "command",
                                    run.redactor().redact(command.command()))));
            throw new RunFailure(
                    "command_blocked",
                    label + " was blocked by the "
                            + run.context().permissionMode().wire() + " permission mode (rule: " + blocked.get()
                            + ") and never started. Permission modes are a blocklist, not a sandbox.");
        }
        Path cwd;
        try {
            cwd = Workspaces.resolveInside(
                    workspace,
                    run.context().rootDirectory(),
                    run.context().config().workingDirectory(),
                    command.cwd());
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
        started.put("command", run.redactor().redact(command.command()));
        started.put("cwd", cwd.toString());
        run.journal().log(run.draft(RunEventTypes.RUN_COMMAND_STARTED, "info", label + " started", started));
        Duration timeout = command.timeoutSeconds() == null ? null : Duration.ofSeconds(command.timeoutSeconds());
        List<String> argv = new ArrayList<>(shell);
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
            // where a command's process is launched: in the run's sandbox session
            outcome = run.supervise(() ->
                    run.session().start(spec, run.output(Map.of("commandIndex", index)), ShellCommand.TIMEOUT_GRACE));
        } catch (IOException e) {
            throw new RunFailure("command_not_started", label + " could not be started: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RunFailure("runner_interrupted", label + " was interrupted");
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
        run.journal().log(run.draft(RunEventTypes.RUN_COMMAND_FINISHED, ok ? "info" : "error", message, finished));
        run.requireWithinRunLimits();
        run.requireWithinSandboxLimits();
        if (outcome.timedOut()) {
            throw new CommandFailure(
                    "command_timed_out",
                    label + " timed out after " + command.timeoutSeconds() + " s and was stopped",
                    outcome.exitCode());
        }
        if (!ok && !outcome.cancelled()) {
            throw new CommandFailure(
                    "command_failed",
                    label + " failed with exit code " + outcome.exitCode() + ": "
                            + run.redactor().redact(command.command()),
                    outcome.exitCode());
        }
        return outcome.exitCode();
    }
}
