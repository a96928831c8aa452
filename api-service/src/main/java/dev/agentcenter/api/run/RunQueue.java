package dev.agentcenter.api.run;

import dev.agentcenter.api.usage.WorkspaceBudgets;
import dev.agentcenter.api.web.ApiException;
import dev.agentcenter.api.web.JsonColumns;
import dev.agentcenter.model.AgentProvider;
import dev.agentcenter.model.ExecutionConfig;
import dev.agentcenter.model.Run;
import dev.agentcenter.support.ledger.RunQueueing;
import java.util.UUID;
import java.util.function.UnaryOperator;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * Queues runs through the ledger's {@link RunQueueing} (the one fire path), answering its refusals as problems:
 * an unknown task is 404, a task that already has an active run 409, a run with nothing to run 422.
 */
@Component
public class RunQueue {

    private final RunQueueing queueing;
    private final JsonColumns json;
    private final RunStore runs;
    private final WorkspaceBudgets budgets;

    RunQueue(RunQueueing queueing, JsonColumns json, RunStore runs, WorkspaceBudgets budgets) {
        this.queueing = queueing;
        this.budgets = budgets;
        this.json = json;
        this.runs = runs;
    }

    /**
     * Queues the next attempt of a task: status {@code queued}, event {@code run.created}. Joins the caller's
     * transaction (or starts one).
     *
     * @param source why: {@code api}, {@code follow_up}, {@code retry} or {@code automation}
     * @param promptOverride this run's prompt, or {@code null} for the task's
     * @param configOverride this run's execution config, or {@code null} for the task's
     */
    @Transactional(propagation = Propagation.REQUIRED)
    public Run queue(UUID taskId, String source, String promptOverride, ExecutionConfig configOverride) {
        budgets.requireAvailableForTask(taskId);
        RunQueueing.Queued queued;
        try {
            queued = queueing.queue(new RunQueueing.Request(
                    taskId,
                    source,
                    promptOverride,
                    taskConfig -> {
                        ExecutionConfig config =
                                configOverride != null ? configOverride : json.read(taskConfig, ExecutionConfig.class);
                        requireSomethingToRun(config);
                        return json.write(config);
                    },
                    null));
        } catch (RunQueueing.TaskNotFound e) {
            throw ApiException.notFound("task", taskId);
        } catch (RunQueueing.TaskHasActiveRun e) {
            throw ApiException.conflict(
                    "task_has_active_run", "The task already has an active run (" + e.getMessage() + ")");
        }
        return runs.find(queued.runId()).orElseThrow();
    }

    /**
     * Given the task's config (JSON), the run's: {@code override} if given, else the task's; 422 {@code
     * nothing_to_run} when it has neither commands nor an agent.
     */
    public UnaryOperator<String> checkedConfig(ExecutionConfig override) {
        return taskConfig -> {
            ExecutionConfig config = override != null ? override : json.read(taskConfig, ExecutionConfig.class);
            requireSomethingToRun(config);
            return json.write(config);
        };
    }

    private static void requireSomethingToRun(ExecutionConfig config) {
        boolean hasCommands = config.commands() != null && !config.commands().isEmpty();
        boolean hasAgent = config.agent() != null
                && config.agent().provider() != null
                && config.agent().provider() != AgentProvider.NONE;
        if (!hasCommands && !hasAgent) {
            throw new ApiException(
                    HttpStatus.UNPROCESSABLE_CONTENT,
                    "nothing_to_run",
                    "The run has no commands and no agent: add config.commands or set config.agent.provider");
        }
    }
}
