// Typed REST resources of Agent Center, over one HttpClient.
import { createHttpClient, type ApiError, type HttpClient } from './client';
import type {
  Automation,
  AutomationRequest,
  AutomationSchedule,
  AutomationTriggerResult,
  CommandSpec,
  CreateTaskRequest,
  Page,
  RepoConnection,
  RepoConnectionTestResult,
  Run,
  RunDiff,
  RunEvent,
  Runner,
  Task,
  TaskStatus,
  UsageGroupBy,
  UsageReport,
  Workspace,
  WorkspaceBudget,
} from './types';
import type { GitHubDelivery, GitHubSettings, GitHubSettingsView, WebhookDelivery, WebhookEndpoint } from './webhooks';
import { prefs } from '../app/prefs';

export function createApi(http: HttpClient) {
  const get = <T>(path: string, query?: Record<string, string | number | undefined | null>) =>
    http.request<T>('GET', path, { query });
  const post = <T>(path: string, body?: unknown, query?: Record<string, string | number | undefined>) =>
    http.request<T>('POST', path, { body, query });
  const patch = <T>(path: string, body: unknown) => http.request<T>('PATCH', path, { body });
  const del = (path: string) => http.request<void>('DELETE', path);
  const id = encodeURIComponent;

  return {
    workspaces: {
      list: () => get<Page<Workspace>>('/api/workspaces', { limit: 200 }),
      create: (body: { name: string; slug: string; description?: string }) =>
        post<Workspace>('/api/workspaces', body),
      setBudget: (workspaceId: string, budget: WorkspaceBudget | null) =>
        patch<Workspace>(`/api/workspaces/${id(workspaceId)}`, budget ? { budget } : { clearBudget: true }),
    },
    usage: {
      get: (workspaceId: string, from: string, to: string | null, groupBy: UsageGroupBy) =>
        get<UsageReport>('/api/usage', { workspaceId, from, to, groupBy }),
    },
    tasks: {
      list: (workspaceId: string, status?: TaskStatus | null, limit = 100, cursor?: string) =>
        get<Page<Task>>('/api/tasks', { workspaceId, status, limit, cursor }),
      get: (taskId: string) => get<Task>(`/api/tasks/${id(taskId)}`),
      create: (body: CreateTaskRequest) => post<Task>('/api/tasks', body),
      runs: (taskId: string) => get<Page<Run>>(`/api/tasks/${id(taskId)}/runs`),
      followUp: (taskId: string, prompt: string, commands?: CommandSpec[]) =>
        post<Run>(`/api/tasks/${id(taskId)}/follow-ups`, commands ? { prompt, commands } : { prompt }),
      cancel: (taskId: string) => post<Run>(`/api/tasks/${id(taskId)}/cancel`),
    },
    runs: {
      start: (taskId: string) => post<Run>('/api/runs', { taskId }),
      get: (runId: string) => get<Run>(`/api/runs/${id(runId)}`),
      events: (runId: string, afterSequence = 0, limit = 1000) =>
        get<Page<RunEvent>>(`/api/runs/${id(runId)}/events`, { afterSequence, limit }),
      diff: (runId: string) => get<RunDiff>(`/api/runs/${id(runId)}/diff`),
      cancel: (runId: string) => post<Run>(`/api/runs/${id(runId)}/cancel`),
      queue: (workspaceId: string, limit = 200) => get<Page<Run>>('/api/runs/queue', { workspaceId, limit }),
    },
    repoConnections: {
      list: (workspaceId: string) =>
        get<Page<RepoConnection>>('/api/repo-connections', { workspaceId, limit: 200 }),
      create: (body: {
        workspaceId: string;
        owner: string;
        repo: string;
        defaultBranch?: string;
        token?: string;
        provider: 'github';
      }) => post<RepoConnection>('/api/repo-connections', body),
      remove: (connectionId: string) => del(`/api/repo-connections/${id(connectionId)}`),
      test: (connectionId: string) =>
        post<RepoConnectionTestResult>(`/api/repo-connections/${id(connectionId)}/test`),
    },
    automations: {
      list: (workspaceId: string) => get<Page<Automation>>('/api/automations', { workspaceId, limit: 200 }),
      get: (automationId: string) => get<Automation>(`/api/automations/${id(automationId)}`),
      create: (body: AutomationRequest) => post<Automation>('/api/automations', body),
      update: (automationId: string, body: Partial<AutomationRequest>) =>
        patch<Automation>(`/api/automations/${id(automationId)}`, body),
      remove: (automationId: string) => del(`/api/automations/${id(automationId)}`),
      enable: (automationId: string) => post<Automation>(`/api/automations/${id(automationId)}/enable`),
      disable: (automationId: string) => post<Automation>(`/api/automations/${id(automationId)}/disable`),
      trigger: (automationId: string) =>
        post<AutomationTriggerResult>(`/api/automations/${id(automationId)}/trigger`),
      schedule: (automationId: string, count = 5) =>
        get<AutomationSchedule>(`/api/automations/${id(automationId)}/schedule`, { count }),
      preview: (cronExpression: string, timezone: string, count = 5) =>
        post<AutomationSchedule>('/api/automations/preview-schedule', { cronExpression, timezone }, { count }),
    },
    runners: {
      list: () => get<Page<Runner>>('/api/runners'),
      drain: (runnerId: string) => post<Runner>(`/api/runners/${id(runnerId)}/drain`),
      resume: (runnerId: string) => post<Runner>(`/api/runners/${id(runnerId)}/resume`),
    },
    github: {
      get: (connectionId: string) => get<GitHubSettingsView>(`/api/repo-connections/${id(connectionId)}/github`),
      update: (connectionId: string, body: Partial<GitHubSettings> & { webhookSecret?: string }) =>
        http.request<GitHubSettingsView>('PUT', `/api/repo-connections/${id(connectionId)}/github`, { body }),
      deliveries: (connectionId: string) =>
        get<{ items: GitHubDelivery[] }>(`/api/repo-connections/${id(connectionId)}/github/deliveries`, { limit: 20 }),
    },
    webhooks: {
      list: (workspaceId: string) => get<{ items: WebhookEndpoint[] }>('/api/webhook-endpoints', { workspaceId }),
      create: (body: { workspaceId: string; url: string; secret: string }) =>
        post<WebhookEndpoint>('/api/webhook-endpoints', body),
      remove: (endpointId: string) => del(`/api/webhook-endpoints/${id(endpointId)}`),
      deliveries: (endpointId: string) =>
        get<{ items: WebhookDelivery[] }>(`/api/webhook-endpoints/${id(endpointId)}/deliveries`, { limit: 50 }),
    },
  };
}

export type Api = ReturnType<typeof createApi>;

type UnauthorizedListener = (error: ApiError) => void;
const unauthorizedListeners = new Set<UnauthorizedListener>();

/** Told about every 401 of the app's client (the shell shows a banner linking to Settings). */
export function onUnauthorized(listener: UnauthorizedListener): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

/** The app's client: same origin, the token from Settings. */
export const api: Api = createApi(
  createHttpClient({
    token: prefs.token,
    onUnauthorized: (error) => unauthorizedListeners.forEach((listener) => listener(error)),
  }),
);
