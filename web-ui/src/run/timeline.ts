// The run timeline: a pure reducer from run events (in any order, with duplicates) to the rows the run view shows.
// Events apply strictly in sequence order: duplicates are dropped, and events beyond a gap wait until the gap is
// filled. A batch of events costs one copy of the row list, so a stream of 100,000 lines is applied per frame,
// not per line.
import { TERMINAL_EVENT_STATUS } from '../api/eventTypes';
import type { EventLevel, RunEvent } from '../api/types';

export interface StatusItem {
  kind: 'status';
  key: string;
  sequence: number;
  status: string;
  message: string | null;
  level: EventLevel;
  at: string;
}

export interface CommandItem {
  kind: 'command';
  key: string;
  sequence: number;
  index: number;
  total: number | null;
  command: string;
  cwd: string | null;
  state: 'running' | 'finished' | 'blocked';
  exitCode: number | null;
  durationMs: number | null;
  timedOut: boolean;
  cancelled: boolean;
  rule: string | null;
  startedAt: string;
}

export interface LineItem {
  kind: 'line';
  key: string;
  sequence: number;
  text: string;
  stream: 'stdout' | 'stderr' | string;
  commandIndex: number | null;
  /** The line was longer than the runner's limit and is stored cut: its whole length in bytes. */
  truncatedFrom: number | null;
}

export interface MessageItem {
  kind: 'message';
  key: string;
  sequence: number;
  itemId: string | null;
  provider: string | null;
  text: string;
  streaming: boolean;
}

export interface ToolItem {
  kind: 'tool';
  key: string;
  sequence: number;
  callId: string | null;
  tool: string;
  title: string;
  input: unknown;
  result: { status: string; exitCode: number | null; output: string | null } | null;
}

/** The agent process's own milestones: started, its session, finished (with how long it took), and its errors. */
export interface AgentItem {
  kind: 'agent';
  key: string;
  sequence: number;
  phase: 'started' | 'session' | 'finished' | 'error';
  provider: string | null;
  message: string;
  level: EventLevel;
  /** The model for `started`/`session`, when known. */
  model: string | null;
  durationMs: number | null;
}

/** A summary of the agent's reasoning (Codex prints it when a reasoning item completes). */
export interface ReasoningItem {
  kind: 'reasoning';
  key: string;
  sequence: number;
  provider: string | null;
  text: string;
}

export interface UsageItem {
  kind: 'usage';
  key: string;
  sequence: number;
  provider: string | null;
  inputTokens: number | null;
  outputTokens: number | null;
  cachedInputTokens: number | null;
  costUsd: number | null;
}

export interface NoteItem {
  kind: 'note';
  key: string;
  sequence: number;
  eventType: string;
  level: EventLevel;
  message: string;
  link: { href: string; label: string } | null;
}

export type TimelineItem =
  | StatusItem
  | CommandItem
  | LineItem
  | MessageItem
  | ToolItem
  | AgentItem
  | ReasoningItem
  | UsageItem
  | NoteItem;

export interface PullRequestRef {
  number: number | null;
  url: string;
}

export interface TimelineState {
  /** The highest sequence applied; everything up to it was applied exactly once. */
  lastSequence: number;
  items: TimelineItem[];
  /** The run status according to the events seen (null before the first status event). */
  status: string | null;
  /** Events after a gap, in sequence order, waiting for the missing ones. */
  pending: RunEvent[];
  commands: ReadonlyMap<number, number>;
  messages: ReadonlyMap<string, number>;
  tools: ReadonlyMap<string, number>;
  /** Position of the assistant message that deltas without an item id append to, or -1. */
  openMessage: number;
  pullRequest: PullRequestRef | null;
  lineCount: number;
}

export function initialTimeline(): TimelineState {
  return {
    lastSequence: 0,
    items: [],
    status: null,
    pending: [],
    commands: new Map(),
    messages: new Map(),
    tools: new Map(),
    openMessage: -1,
    pullRequest: null,
    lineCount: 0,
  };
}

const AGENT_PHASES: Record<string, AgentItem['phase']> = {
  'agent.started': 'started',
  'agent.session.started': 'session',
  'agent.finished': 'finished',
  'agent.error': 'error',
};

const TERMINAL_EVENTS: Readonly<Record<string, string>> = TERMINAL_EVENT_STATUS;

/** Applies a batch of events. Returns the same state object when nothing changed. */
export function applyEvents(state: TimelineState, events: readonly RunEvent[]): TimelineState {
  if (events.length === 0) return state;
  // Merge with what waits behind a gap, in order, without duplicates or anything already applied.
  const bySequence = new Map<number, RunEvent>();
  for (const event of state.pending) bySequence.set(event.sequence, event);
  for (const event of events) {
    if (event.sequence > state.lastSequence && !bySequence.has(event.sequence)) {
      bySequence.set(event.sequence, event);
    }
  }
  if (bySequence.size === 0) return state;
  const ordered = [...bySequence.values()].sort((a, b) => a.sequence - b.sequence);
  let next = state.lastSequence + 1;
  let applicable = 0;
  while (applicable < ordered.length && ordered[applicable]!.sequence === next) {
    applicable++;
    next++;
  }
  const pending = ordered.slice(applicable);
  if (applicable === 0) {
    return pending.length === state.pending.length ? state : { ...state, pending };
  }
  const draft = new Draft(state);
  for (let i = 0; i < applicable; i++) draft.apply(ordered[i]!);
  return draft.finish(pending);
}

function str(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** A mutable working copy for one batch; the input state is never modified. */
class Draft {
  private readonly items: TimelineItem[];
  private readonly commands: Map<number, number>;
  private readonly messages: Map<string, number>;
  private readonly tools: Map<string, number>;
  private openMessage: number;
  private status: string | null;
  private pullRequest: PullRequestRef | null;
  private lineCount: number;
  private lastSequence: number;

  constructor(state: TimelineState) {
    this.items = state.items.slice();
    this.commands = new Map(state.commands);
    this.messages = new Map(state.messages);
    this.tools = new Map(state.tools);
    this.openMessage = state.openMessage;
    this.status = state.status;
    this.pullRequest = state.pullRequest;
    this.lineCount = state.lineCount;
    this.lastSequence = state.lastSequence;
  }

  finish(pending: RunEvent[]): TimelineState {
    return {
      lastSequence: this.lastSequence,
      items: this.items,
      status: this.status,
      pending,
      commands: this.commands,
      messages: this.messages,
      tools: this.tools,
      openMessage: this.openMessage,
      pullRequest: this.pullRequest,
      lineCount: this.lineCount,
    };
  }

  apply(event: RunEvent): void {
    this.lastSequence = event.sequence;
    const payload = event.payload ?? {};
    const key = String(event.sequence);
    const type = event.eventType;
    if (type !== 'agent.message.delta' && type !== 'agent.message' && type !== 'agent.usage' && type !== 'run.log') {
      // Anything else between two deltas ends the message they were building.
      this.closeOpenMessage();
    }
    switch (type) {
      case 'run.log': {
        this.items.push({
          kind: 'line',
          key,
          sequence: event.sequence,
          text: event.message ?? str(payload.line) ?? '',
          stream: str(payload.stream) ?? 'stdout',
          commandIndex: num(payload.commandIndex),
          truncatedFrom: payload.truncated === true ? (num(payload.originalLength) ?? -1) : null,
        });
        this.lineCount++;
        return;
      }
      case 'run.status_changed': {
        const status = str(payload.status) ?? event.message ?? 'unknown';
        this.status = status;
        this.items.push({
          kind: 'status',
          key,
          sequence: event.sequence,
          status,
          message: event.message,
          level: event.level,
          at: event.createdAt,
        });
        return;
      }
      case 'run.command.started':
      case 'run.command.blocked': {
        const index = num(payload.index) ?? this.commands.size;
        const blocked = type === 'run.command.blocked';
        this.commands.set(index, this.items.length);
        this.items.push({
          kind: 'command',
          key,
          sequence: event.sequence,
          index,
          total: num(payload.total),
          command: str(payload.command) ?? event.message ?? '',
          cwd: str(payload.cwd),
          state: blocked ? 'blocked' : 'running',
          exitCode: null,
          durationMs: null,
          timedOut: false,
          cancelled: false,
          rule: blocked ? str(payload.rule) : null,
          startedAt: event.createdAt,
        });
        return;
      }
      case 'run.command.finished': {
        const index = num(payload.index);
        const position = index === null ? undefined : this.commands.get(index);
        const finished = {
          state: 'finished' as const,
          exitCode: num(payload.exitCode),
          durationMs: num(payload.durationMs),
          timedOut: payload.timedOut === true,
          cancelled: payload.cancelled === true,
        };
        const current = position === undefined ? undefined : this.items[position];
        if (current && current.kind === 'command') {
          this.items[position!] = { ...current, ...finished };
        } else {
          // Finished without a start we saw: still show it as a block.
          const at = index ?? this.commands.size;
          this.commands.set(at, this.items.length);
          this.items.push({
            kind: 'command',
            key,
            sequence: event.sequence,
            index: at,
            total: num(payload.total),
            command: str(payload.command) ?? event.message ?? `Command ${at + 1}`,
            cwd: null,
            rule: null,
            startedAt: event.createdAt,
            ...finished,
          });
        }
        return;
      }
      case 'agent.message.delta':
        this.messageText(event, str(payload.text) ?? event.message ?? '', true);
        return;
      case 'agent.message':
        this.messageText(event, str(payload.text) ?? event.message ?? '', false);
        return;
      case 'agent.tool_call': {
        const callId = str(payload.callId);
        if (callId) this.tools.set(callId, this.items.length);
        this.items.push({
          kind: 'tool',
          key,
          sequence: event.sequence,
          callId,
          tool: str(payload.tool) ?? 'tool',
          title: str(payload.title) ?? event.message ?? '',
          input: payload.input ?? null,
          result: null,
        });
        return;
      }
      case 'agent.tool_result': {
        const callId = str(payload.callId);
        const result = {
          status: str(payload.status) ?? (event.level === 'error' ? 'error' : 'ok'),
          exitCode: num(payload.exitCode),
          output: str(payload.output) ?? event.message,
        };
        const position = callId === null ? undefined : this.tools.get(callId);
        const current = position === undefined ? undefined : this.items[position];
        if (current && current.kind === 'tool') {
          this.items[position!] = { ...current, result };
        } else {
          this.items.push({
            kind: 'tool',
            key,
            sequence: event.sequence,
            callId,
            tool: str(payload.tool) ?? 'tool',
            title: str(payload.title) ?? '',
            input: null,
            result,
          });
        }
        return;
      }
      case 'agent.started':
      case 'agent.session.started':
      case 'agent.finished':
      case 'agent.error':
        this.items.push({
          kind: 'agent',
          key,
          sequence: event.sequence,
          phase: AGENT_PHASES[type]!,
          provider: str(payload.provider),
          message: event.message ?? str(payload.message) ?? type,
          level: event.level,
          model: str(payload.model),
          durationMs: type === 'agent.finished' ? num(payload.durationMs) : null,
        });
        return;
      case 'agent.reasoning':
        this.items.push({
          kind: 'reasoning',
          key,
          sequence: event.sequence,
          provider: str(payload.provider),
          text: str(payload.text) ?? event.message ?? '',
        });
        return;
      case 'agent.usage':
        this.items.push({
          kind: 'usage',
          key,
          sequence: event.sequence,
          provider: str(payload.provider),
          inputTokens: num(payload.inputTokens),
          outputTokens: num(payload.outputTokens),
          cachedInputTokens: num(payload.cachedInputTokens),
          costUsd: num(payload.costUsd),
        });
        return;
      case 'git.pr.opened': {
        const url = str(payload.url);
        const number = num(payload.number);
        if (url) this.pullRequest = { number, url };
        // The link reads as its address: the page header carries the one named "Pull request #N".
        this.note(event, url ? { href: url, label: url } : null);
        return;
      }
      default: {
        const terminal = TERMINAL_EVENTS[type];
        if (terminal) this.status = terminal;
        this.note(event, null);
      }
    }
  }

  private messageText(event: RunEvent, text: string, delta: boolean): void {
    const payload = event.payload ?? {};
    const itemId = str(payload.itemId);
    let position: number | undefined;
    if (itemId !== null) {
      position = this.messages.get(itemId);
      if (position === undefined && !delta && this.openMessage >= 0) {
        // The final text of a message whose deltas carried no id.
        const open = this.items[this.openMessage];
        if (open?.kind === 'message' && open.itemId === null) position = this.openMessage;
      }
    } else if (this.openMessage >= 0) {
      position = this.openMessage;
    }
    const current = position === undefined ? undefined : this.items[position];
    if (position !== undefined && current && current.kind === 'message') {
      this.items[position] = {
        ...current,
        itemId: current.itemId ?? itemId,
        text: delta ? current.text + text : text,
        streaming: delta,
      };
    } else {
      position = this.items.length;
      this.items.push({
        kind: 'message',
        key: String(event.sequence),
        sequence: event.sequence,
        itemId,
        provider: str(payload.provider),
        text,
        streaming: delta,
      });
    }
    if (itemId !== null) this.messages.set(itemId, position);
    this.openMessage = delta ? position : -1;
  }

  private closeOpenMessage(): void {
    const open = this.openMessage >= 0 ? this.items[this.openMessage] : undefined;
    if (open?.kind === 'message' && open.streaming) this.items[this.openMessage] = { ...open, streaming: false };
    this.openMessage = -1;
  }

  private note(event: RunEvent, link: NoteItem['link']): void {
    this.items.push({
      kind: 'note',
      key: String(event.sequence),
      sequence: event.sequence,
      eventType: event.eventType,
      level: event.level,
      message: event.message ?? event.eventType,
      link,
    });
  }
}

/** "1.2 s", "3 min 4 s", "850 ms". */
export function formatDuration(ms: number | null): string {
  if (ms === null || ms < 0) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const minutes = Math.floor(seconds / 60);
  const rest = Math.round(seconds % 60);
  if (minutes < 60) return rest ? `${minutes} min ${rest} s` : `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return `${hours} h ${minutes % 60} min`;
}

const TOKENS = new Intl.NumberFormat('en-US');

/** "12 input tokens (39,320 cached) · 173 output tokens · $0.0214": what an agent's usage event shows. */
export function usageText(item: UsageItem): string {
  const parts: string[] = [];
  if (item.inputTokens !== null) {
    const cached = item.cachedInputTokens ? ` (${TOKENS.format(item.cachedInputTokens)} cached)` : '';
    parts.push(`${TOKENS.format(item.inputTokens)} input tokens${cached}`);
  }
  if (item.outputTokens !== null) parts.push(`${TOKENS.format(item.outputTokens)} output tokens`);
  if (item.costUsd !== null) parts.push(`$${item.costUsd.toFixed(item.costUsd < 1 ? 4 : 2)}`);
  return parts.join(' · ');
}

/** The words a command block shows for its outcome: `running`, `exit 0`, `blocked`, `timed out (exit 137)`. */
export function commandOutcome(item: CommandItem, runEnded: boolean): string {
  if (item.state === 'blocked') return 'blocked';
  if (item.state === 'running') return runEnded ? 'stopped' : 'running';
  const exit = item.exitCode === null ? 'exit ?' : `exit ${item.exitCode}`;
  if (item.timedOut) return `timed out (${exit})`;
  if (item.cancelled) return `cancelled (${exit})`;
  return exit;
}

/** 65536 → "64 KiB", 200000000 → "190.7 MiB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const text = Number.isInteger(value) ? String(value) : value.toFixed(1);
  return `${text} ${units[unit]}`;
}
