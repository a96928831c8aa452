import type { AgentProvider, CommandSpec, ExecutionConfig, ExecutionPolicy, PermissionMode } from '../api/types';

/** One command per line; blank lines are skipped. */
export function parseCommands(text: string): CommandSpec[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((command) => ({ command }));
}

export function commandsText(commands: readonly CommandSpec[] | null | undefined): string {
  return (commands ?? []).map((c) => c.command).join('\n');
}

export function parseLines(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

export function buildConfig(commands: string, agent: AgentProvider, model: string): ExecutionConfig {
  const config: ExecutionConfig = { commands: parseCommands(commands) };
  if (agent !== 'none') config.agent = { provider: agent, ...(model.trim() ? { model: model.trim() } : {}) };
  return config;
}

export function buildPolicy(mode: PermissionMode, blocked: string): ExecutionPolicy | undefined {
  return mode === 'custom' ? { blockedCommands: parseLines(blocked) } : undefined;
}

export function blank(value: string): string | undefined {
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

export const MODEL_SUGGESTIONS: Record<Exclude<AgentProvider, 'none'>, string[]> = {
  claude: ['claude-opus-4-6', 'claude-sonnet-4-6', 'claude-opus-4-5', 'claude-haiku-4-5'],
  codex: ['gpt-5.4', 'gpt-5.4-mini', 'gpt-5.3-codex', 'o3'],
};

export const SAFE_BLOCKLIST_NOTE =
  'safe blocks sudo, shutdown, reboot, mkfs, rm -rf / and similar; yolo blocks nothing; custom blocks the commands you list. A blocklist, not a sandbox.';
