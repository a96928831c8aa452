// Wire types of the Agent Center REST API (common-model's records, as JSON).

export type TaskStatus = 'pending' | 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';
export type RunStatus =
  | 'queued'
  | 'provisioning'
  | 'cloning'
  | 'running'
  | 'completed'
  | 'failed'
  | 'cancelled';
export type PermissionMode = 'safe' | 'yolo' | 'custom';
export type AgentProvider = 'none' | 'codex' | 'claude';
export type EventLevel = 'info' | 'warn' | 'error';

export const TASK_STATUSES: readonly TaskStatus[] = [
  'pending',
  'queued',
  'running',
  'completed',
  'failed',
  'cancelled',
];

export const TERMINAL_RUN_STATUSES: ReadonlySet<string> = new Set(['completed', 'failed', 'cancelled']);

export function isActiveRunStatus(status: string | null | undefined): boolean {
  return status != null && !TERMINAL_RUN_STATUSES.has(status);
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Workspace {
  id: string;
  slug: string;
  name: string;
  description: string | null;
  metadata: Record<string, unknown> | null;
  createdAt: string;
  updatedAt: string;
}

export interface CommandSpec {
  command: string;
  cwd?: string | null;
  env?: Record<string, string> | null;
  timeoutSeconds?: number | null;
}

export interface AgentConfig {
  provider: AgentProvider;
  model?: string | null;
  prompt?: string | null;
}

export interface ExecutionConfig {
  commands?: CommandSpec[] | null;
  agent?: AgentConfig | null;
  workingDirectory?: string | null;
  commitMessage?: string | null;
  prTitle?: string | null;
  prBody?: string | null;
}

export interface ExecutionPolicy {
  blockedCommands?: string[] | null;
}

export interface RunSummary {
  id: string;
  attempt: number;
  status: RunStatus;
  queuedAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  /** The pull request of the task's most recent run that opened or found one. */
  pullRequestUrl: string | null;
  pullRequestNumber: number | null;
}

export interface Task {
  id: string;
  workspaceId: string;
  projectId: string | null;
  repoConnectionId: string | null;
  automationId: string | null;
  title: string;
  prompt: string | null;
  status: TaskStatus;
  permissionMode: PermissionMode;
  policy: ExecutionPolicy | null;
  config: ExecutionConfig | null;
  baseBranch: string | null;
  branchName: string | null;
  metadata: Record<string, unknown> | null;
  archivedAt: string | null;
  latestRun: RunSummary | null;
  createdAt: string;
  updatedAt: string;
}

export interface Run {
  id: string;
  taskId: string;
  attempt: number;
  status: RunStatus;
  source: string | null;
  prompt: string | null;
  permissionMode: PermissionMode;
  policy: ExecutionPolicy | null;
  config: ExecutionConfig | null;
  baseBranch: string | null;
  branchName: string | null;
  workspacePath: string | null;
  runnerId: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  exitCode: number | null;
  cancelRequestedAt: string | null;
  queuedAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  pullRequestUrl: string | null;
  pullRequestNumber: number | null;
  createdAt: string;
  updatedAt: string;
}

export interface RunEvent {
  runId: string;
  sequence: number;
  eventType: string;
  level: EventLevel;
  message: string | null;
  payload: Record<string, unknown> | null;
  createdAt: string;
}

export interface RunDiffFile {
  path: string;
  status: 'added' | 'modified' | 'deleted' | 'renamed' | string;
  additions: number;
  deletions: number;
}

export interface RunDiff {
  runId: string;
  available: boolean;
  files: RunDiffFile[];
  stats: { filesChanged: number; additions: number; deletions: number } | null;
  patch: string | null;
  truncated: boolean;
  createdAt: string | null;
}

export interface RepoConnection {
  id: string;
  workspaceId: string;
  projectId: string | null;
  provider: string;
  owner: string;
  repo: string;
  defaultBranch: string | null;
  authType: string | null;
  hasToken: boolean;
  metadata: Record<string, unknown> | null;
  createdAt: string;
  updatedAt: string;
}

export interface RepoConnectionTestResult {
  ok: boolean;
  status: number | null;
  code: string | null;
  message: string | null;
  repository: { fullName: string; defaultBranch: string; isPrivate: boolean; htmlUrl: string } | null;
  checkedAt: string;
}

export interface Automation {
  id: string;
  workspaceId: string;
  projectId: string | null;
  repoConnectionId: string | null;
  name: string;
  enabled: boolean;
  cronExpression: string;
  timezone: string;
  taskTemplateTitle: string;
  taskTemplatePrompt: string | null;
  permissionMode: PermissionMode;
  policy: ExecutionPolicy | null;
  config: ExecutionConfig | null;
  branchPrefix: string | null;
  metadata: Record<string, unknown> | null;
  lastRunAt: string | null;
  nextRunAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface AutomationSchedule {
  cronExpression: string;
  timezone: string;
  description: string | null;
  nextFireTimes: string[];
}

export interface AutomationTriggerResult {
  task: Task;
  run: Run;
}

export interface Runner {
  id: string;
  name: string;
  baseUrl: string;
  status: 'online' | 'draining' | 'offline';
  capacity: number;
  activeRuns: number;
  lastHeartbeatAt: string | null;
  version: string | null;
  /** How the runner isolates runs; `none`: its commands and agents run on its host as its user. */
  isolation: 'bubblewrap' | 'none' | null;
}

export interface CreateTaskRequest {
  workspaceId: string;
  projectId?: string | null;
  repoConnectionId?: string | null;
  title: string;
  prompt?: string | null;
  permissionMode?: PermissionMode;
  policy?: ExecutionPolicy;
  config?: ExecutionConfig;
  baseBranch?: string | null;
  branchName?: string | null;
}

export interface AutomationRequest {
  workspaceId?: string;
  projectId?: string | null;
  repoConnectionId?: string | null;
  name: string;
  enabled?: boolean;
  cronExpression: string;
  timezone: string;
  taskTemplateTitle: string;
  taskTemplatePrompt?: string | null;
  permissionMode: PermissionMode;
  policy?: ExecutionPolicy;
  config?: ExecutionConfig;
  branchPrefix?: string | null;
}
