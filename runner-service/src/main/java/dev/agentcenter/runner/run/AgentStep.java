package dev.agentcenter.runner.run;

import dev.agentcenter.model.RunEventTypes;
import dev.agentcenter.runner.agent.AgentException;
import dev.agentcenter.runner.agent.AgentRequest;
import dev.agentcenter.runner.agent.AgentRun;
import dev.agentcenter.runner.agent.Agents;
import dev.agentcenter.runner.execution.ShellCommand;
import dev.agentcenter.runner.execution.WorkspaceEscapeException;
import dev.agentcenter.runner.execution.Workspaces;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Step 2, run the agent: the coding agent (see {@link Agents}) works in the workspace like a command, in its own
 * process group, cancelled and fenced the same way. Its credential is added to the run's redactor before it starts.
 */
final class AgentStep {

    private final RunScope run;
    private final Agents agents;
    private final RunBudgets budgets;

    AgentStep(RunScope run, Agents agents, RunBudgets budgets) {
        this.run = run;
        this.agents = agents;
        this.budgets = budgets;
    }

    /** @return the agent's exit code, or {@code null} when the run was stopped before it started */
    Integer runAgent(Path workspace) {
        if (run.stopping()) {
            return null;
        }
        RunContext context = run.context();
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
        RunBudgets.Guard budget =
                budgets.open(context.taskId(), context.config().agent());
        requireWithinBudget(budget);
        try (AgentRun agent = agents.prepare(request)) {
            run.redactor(run.redactor().with(agent.secrets().toArray(String[]::new)));
            try {
                outcome = run.supervise(() -> agent.start(
                        run.redactor(),
                        draft -> {
                            run.journal().output(draft);
                            if (draft.eventType().equals("agent.usage") && budget.usage(draft.payloadJson())) {
                                run.stopForBudget();
                            }
                        },
                        run.properties().cancelGrace(),
                        run.session()::start));
            } catch (IOException e) {
                throw new RunFailure(
                        "agent_not_started",
                        agent.label() + " could not be started: "
                                + run.redactor().redact(e.getMessage()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RunFailure("runner_interrupted", agent.label() + " was interrupted");
            }
            result = agent.finish(outcome);
        } catch (AgentException e) {
            throw new RunFailure(e.code(), e.getMessage());
        }
        run.requireWithinRunLimits();
        run.requireWithinSandboxLimits();
        requireWithinBudget(budget);
        if (!result.ok() && !result.cancelled()) {
            throw result.exitCode() != null
                    ? new CommandFailure(result.code(), result.message(), result.exitCode())
                    : new RunFailure(result.code(), result.message());
        }
        return outcome.exitCode();
    }

    /**
     * Ends the run with {@code budget_exceeded} once a budget stopped it: an event says which budget, the failure
     * skips the commands after the agent and the delivery, and the diff of the work so far is stored as usual.
     */
    private void requireWithinBudget(RunBudgets.Guard budget) {
        RunBudgets.Stop stop = budget.stop();
        if (stop == null || run.cancelRequested()) {
            return;
        }
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("budget", stop.budget());
        payload.put("limit", stop.limit());
        payload.put("usedTokens", stop.usedTokens());
        payload.put("usedCostUsd", stop.usedCostUsd());
        run.journal().log(run.draft(RunEventTypes.RUN_BUDGET_EXCEEDED, "warn", stop.message(), payload));
        run.metrics().budgetStop(stop.budget());
        throw new RunFailure("budget_exceeded", stop.message());
    }
}
