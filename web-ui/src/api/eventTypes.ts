// Mirror of common-model's dev.agentcenter.model.RunEventTypes (the event-type catalogue) and of
// RunStatus.terminal(). RunEventTypesMirrorTest (common-model) fails when the two differ: change both together.

export const RUN_EVENT_TYPES = {
  RUN_CREATED: 'run.created',
  RUN_STATUS_CHANGED: 'run.status_changed',
  RUN_CANCEL_REQUESTED: 'run.cancel_requested',
  RUN_COMPLETED: 'run.completed',
  RUN_FAILED: 'run.failed',
  RUN_CANCELLED: 'run.cancelled',
  RUN_LOG: 'run.log',
  RUN_WORKSPACE_READY: 'run.workspace.ready',
  RUN_COMMAND_STARTED: 'run.command.started',
  RUN_COMMAND_FINISHED: 'run.command.finished',
  RUN_COMMAND_BLOCKED: 'run.command.blocked',
  RUN_BUDGET_EXCEEDED: 'run.budget_exceeded',
  RUN_WAITING: 'run.waiting',
  RUN_REHOMED: 'run.rehomed',
  RUN_WORKSPACE_RECREATED: 'run.workspace.recreated',
  AUTOMATION_TRIGGERED: 'automation.triggered',
  REPO_CLONE_STARTED: 'repo.clone.started',
  REPO_CLONE_FINISHED: 'repo.clone.finished',
  GIT_CONFIG_UNSAFE: 'git.config.unsafe',
  GIT_COMMIT_CREATED: 'git.commit.created',
  GIT_COMMIT_SKIPPED: 'git.commit.skipped',
  GIT_BRANCH_PUSHED: 'git.branch.pushed',
  GIT_PUSH_SKIPPED: 'git.push.skipped',
  GIT_PR_OPENED: 'git.pr.opened',
  AGENT_STARTED: 'agent.started',
  AGENT_SESSION_STARTED: 'agent.session.started',
  AGENT_MESSAGE: 'agent.message',
  AGENT_MESSAGE_DELTA: 'agent.message.delta',
  AGENT_REASONING: 'agent.reasoning',
  AGENT_TOOL_CALL: 'agent.tool_call',
  AGENT_TOOL_RESULT: 'agent.tool_result',
  AGENT_PERMISSION_DENIED: 'agent.permission_denied',
  AGENT_RETRY: 'agent.retry',
  AGENT_USAGE: 'agent.usage',
  AGENT_ERROR: 'agent.error',
  AGENT_FINISHED: 'agent.finished',
} as const;

/** The statuses a run never leaves. */
export const TERMINAL_RUN_STATUSES: ReadonlySet<string> = new Set(['completed', 'failed', 'cancelled']);

/** The event that ends a run's stream, by the status it ends in: `run.<status>`. */
export const TERMINAL_EVENT_STATUS: Readonly<Record<string, string>> = Object.fromEntries(
  [...TERMINAL_RUN_STATUSES].map((status) => [`run.${status}`, status]),
);
