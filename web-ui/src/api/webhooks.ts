// Types of the GitHub webhook settings and the outbound webhooks (api-service dev.agentcenter.api.github / .webhook).

export interface GitHubSettings {
  label: string;
  labelTrigger: boolean;
  commentTrigger: boolean;
  reviewTrigger: boolean;
  checkTrigger: boolean;
  command: string;
  maxFollowUps: number;
  permissionMode: string;
  taskConfig: Record<string, unknown>;
}

export interface GitHubSettingsView {
  repoConnectionId: string;
  hasWebhookSecret: boolean;
  webhookPath: string;
  settings: GitHubSettings;
  updatedAt: string | null;
}

export interface GitHubDelivery {
  deliveryId: string;
  event: string;
  action: string | null;
  outcome: string;
  detail: string | null;
  taskId: string | null;
  receivedAt: string;
}

export interface WebhookEndpoint {
  id: string;
  workspaceId: string;
  url: string;
  enabled: boolean;
  createdAt: string;
}

export interface WebhookDelivery {
  id: string;
  runId: string;
  endpointId: string | null;
  target: 'webhook' | 'github_comment' | 'github_status';
  event: string;
  status: 'pending' | 'delivered' | 'failed' | 'skipped';
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: string;
  nextAttemptAt: string;
  finishedAt: string | null;
}
