package dev.agentcenter.model;

import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The catalogue of run event types: every type a service writes is named here once, and "terminal" is derived
 * from {@link RunStatus#terminal()} (the one definition), so the services, the SDK and the web UI (which mirrors
 * this file in {@code web-ui/src/api/eventTypes.ts}, checked by a test) agree on when a run's stream ends.
 */
public final class RunEventTypes {

    // The run's lifecycle.
    public static final String RUN_CREATED = "run.created";
    public static final String RUN_STATUS_CHANGED = "run.status_changed";
    public static final String RUN_CANCEL_REQUESTED = "run.cancel_requested";
    public static final String RUN_COMPLETED = "run.completed";
    public static final String RUN_FAILED = "run.failed";
    public static final String RUN_CANCELLED = "run.cancelled";
    public static final String RUN_LOG = "run.log";
    public static final String RUN_WORKSPACE_READY = "run.workspace.ready";
    public static final String RUN_COMMAND_STARTED = "run.command.started";
    public static final String RUN_COMMAND_FINISHED = "run.command.finished";
    public static final String RUN_COMMAND_BLOCKED = "run.command.blocked";
    public static final String RUN_BUDGET_EXCEEDED = "run.budget_exceeded";
    public static final String RUN_WAITING = "run.waiting";
    public static final String RUN_REHOMED = "run.rehomed";
    public static final String RUN_WORKSPACE_RECREATED = "run.workspace.recreated";
    public static final String AUTOMATION_TRIGGERED = "automation.triggered";

    // Repository and delivery.
    public static final String REPO_CLONE_STARTED = "repo.clone.started";
    public static final String REPO_CLONE_FINISHED = "repo.clone.finished";
    public static final String GIT_CONFIG_UNSAFE = "git.config.unsafe";
    public static final String GIT_COMMIT_CREATED = "git.commit.created";
    public static final String GIT_COMMIT_SKIPPED = "git.commit.skipped";
    public static final String GIT_BRANCH_PUSHED = "git.branch.pushed";
    public static final String GIT_PUSH_SKIPPED = "git.push.skipped";
    public static final String GIT_PR_OPENED = "git.pr.opened";

    // The coding agent.
    public static final String AGENT_STARTED = "agent.started";
    public static final String AGENT_SESSION_STARTED = "agent.session.started";
    public static final String AGENT_MESSAGE = "agent.message";
    public static final String AGENT_MESSAGE_DELTA = "agent.message.delta";
    public static final String AGENT_REASONING = "agent.reasoning";
    public static final String AGENT_TOOL_CALL = "agent.tool_call";
    public static final String AGENT_TOOL_RESULT = "agent.tool_result";
    public static final String AGENT_PERMISSION_DENIED = "agent.permission_denied";
    public static final String AGENT_RETRY = "agent.retry";
    public static final String AGENT_USAGE = "agent.usage";
    public static final String AGENT_ERROR = "agent.error";
    public static final String AGENT_FINISHED = "agent.finished";

    /** Every type above, in declaration order. */
    public static final List<String> ALL = List.of(
            RUN_CREATED,
            RUN_STATUS_CHANGED,
            RUN_CANCEL_REQUESTED,
            RUN_COMPLETED,
            RUN_FAILED,
            RUN_CANCELLED,
            RUN_LOG,
            RUN_WORKSPACE_READY,
            RUN_COMMAND_STARTED,
            RUN_COMMAND_FINISHED,
            RUN_COMMAND_BLOCKED,
            RUN_BUDGET_EXCEEDED,
            RUN_WAITING,
            RUN_REHOMED,
            RUN_WORKSPACE_RECREATED,
            AUTOMATION_TRIGGERED,
            REPO_CLONE_STARTED,
            REPO_CLONE_FINISHED,
            GIT_CONFIG_UNSAFE,
            GIT_COMMIT_CREATED,
            GIT_COMMIT_SKIPPED,
            GIT_BRANCH_PUSHED,
            GIT_PUSH_SKIPPED,
            GIT_PR_OPENED,
            AGENT_STARTED,
            AGENT_SESSION_STARTED,
            AGENT_MESSAGE,
            AGENT_MESSAGE_DELTA,
            AGENT_REASONING,
            AGENT_TOOL_CALL,
            AGENT_TOOL_RESULT,
            AGENT_PERMISSION_DENIED,
            AGENT_RETRY,
            AGENT_USAGE,
            AGENT_ERROR,
            AGENT_FINISHED);

    /** The events a run's stream ends with: {@code run.<status>} of each terminal status. */
    public static final Set<String> TERMINAL = Arrays.stream(RunStatus.values())
            .filter(RunStatus::terminal)
            .map(RunEventTypes::ended)
            .collect(Collectors.toUnmodifiableSet());

    private RunEventTypes() {}

    /** {@code run.completed}, {@code run.failed} or {@code run.cancelled}: the event that ends a run in a status. */
    public static String ended(RunStatus status) {
        if (!status.terminal()) {
            throw new IllegalArgumentException(status.wire() + " is not a terminal status");
        }
        return "run." + status.wire();
    }

    /** Whether an event of this type is the last of its run. */
    public static boolean terminal(String eventType) {
        return TERMINAL.contains(eventType);
    }
}
