import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../api/types';
import {
  applyEvents,
  commandOutcome,
  formatBytes,
  formatDuration,
  initialTimeline,
  usageText,
  type AgentItem,
  type CommandItem,
  type MessageItem,
  type ToolItem,
  type UsageItem,
} from './timeline';

let clock = 0;
function ev(sequence: number, eventType: string, message: string | null = null, payload: Record<string, unknown> = {}, level: RunEvent['level'] = 'info'): RunEvent {
  clock++;
  return { runId: 'r1', sequence, eventType, level, message, payload, createdAt: new Date(1_700_000_000_000 + clock * 1000).toISOString() };
}

const log = (sequence: number, text: string, commandIndex = 0, stream = 'stdout') =>
  ev(sequence, 'run.log', text, { stream, commandIndex });

describe('applyEvents ordering and dedupe', () => {
  it('applies events in sequence order whatever order they arrive in', () => {
    const state = applyEvents(initialTimeline(), [log(3, 'c'), log(1, 'a'), log(2, 'b')]);
    expect(state.items.map((i) => (i.kind === 'line' ? i.text : i.kind))).toEqual(['a', 'b', 'c']);
    expect(state.lastSequence).toBe(3);
  });

  it('drops duplicates within a batch and across batches', () => {
    let state = applyEvents(initialTimeline(), [log(1, 'a'), log(1, 'a'), log(2, 'b')]);
    state = applyEvents(state, [log(2, 'b'), log(1, 'a'), log(3, 'c')]);
    expect(state.items.map((i) => (i.kind === 'line' ? i.text : ''))).toEqual(['a', 'b', 'c']);
    expect(state.lineCount).toBe(3);
  });

  it('returns the same state when a batch holds only replays', () => {
    const state = applyEvents(initialTimeline(), [log(1, 'a'), log(2, 'b')]);
    expect(applyEvents(state, [log(1, 'a'), log(2, 'b')])).toBe(state);
    expect(applyEvents(state, [])).toBe(state);
  });

  it('holds events after a gap until the gap is filled', () => {
    let state = applyEvents(initialTimeline(), [log(1, 'a'), log(3, 'c'), log(4, 'd')]);
    expect(state.lastSequence).toBe(1);
    expect(state.pending.map((e) => e.sequence)).toEqual([3, 4]);
    expect(state.items).toHaveLength(1);
    state = applyEvents(state, [log(2, 'b')]);
    expect(state.lastSequence).toBe(4);
    expect(state.pending).toEqual([]);
    expect(state.items.map((i) => (i.kind === 'line' ? i.text : ''))).toEqual(['a', 'b', 'c', 'd']);
  });

  it('never modifies the state it was given', () => {
    const first = applyEvents(initialTimeline(), [ev(1, 'run.command.started', 'Command 1 started', { index: 0, command: 'make' })]);
    const items = first.items;
    const snapshot = JSON.stringify(items);
    applyEvents(first, [ev(2, 'run.command.finished', 'done', { index: 0, exitCode: 0, durationMs: 5 }), log(3, 'x')]);
    expect(first.items).toBe(items);
    expect(JSON.stringify(first.items)).toBe(snapshot);
  });

  it('applies 100,000 lines in batches with every line once, in order', () => {
    let state = initialTimeline();
    const batch: RunEvent[] = [];
    for (let s = 1; s <= 100_000; s++) {
      batch.push(log(s, `line ${s}`));
      if (batch.length === 5000) {
        state = applyEvents(state, batch.splice(0));
      }
    }
    expect(state.lineCount).toBe(100_000);
    expect(state.items[99_999]).toMatchObject({ kind: 'line', text: 'line 100000' });
    expect(state.items[41_999]).toMatchObject({ kind: 'line', text: 'line 42000' });
  });
});

describe('status and command blocks', () => {
  it('tracks run status from status changes and terminal events', () => {
    let state = applyEvents(initialTimeline(), [
      ev(1, 'run.created', 'Run queued'),
      ev(2, 'run.status_changed', 'Run provisioning', { status: 'provisioning' }),
      ev(3, 'run.status_changed', 'Run running', { status: 'running' }),
    ]);
    expect(state.status).toBe('running');
    state = applyEvents(state, [ev(4, 'run.failed', 'Command 1 failed with exit code 2', {}, 'error')]);
    expect(state.status).toBe('failed');
    expect(state.items.at(-1)).toMatchObject({ kind: 'note', level: 'error', message: 'Command 1 failed with exit code 2' });
  });

  it('turns started/finished into one command block with exit code and duration, output inside it', () => {
    let state = applyEvents(initialTimeline(), [
      ev(1, 'run.command.started', 'Command 1 started', { index: 0, total: 2, command: 'echo hi', cwd: '/w' }),
      log(2, 'hi', 0),
    ]);
    const running = state.items[0] as CommandItem;
    expect(running).toMatchObject({ kind: 'command', command: 'echo hi', state: 'running', exitCode: null });
    expect(commandOutcome(running, false)).toBe('running');
    expect(commandOutcome(running, true)).toBe('stopped');

    state = applyEvents(state, [
      ev(3, 'run.command.finished', 'Command 1 finished', { index: 0, exitCode: 0, durationMs: 1234, timedOut: false, cancelled: false }),
      ev(4, 'run.command.started', 'Command 2 started', { index: 1, total: 2, command: 'exit 2' }),
      ev(5, 'run.command.finished', 'Command 2 failed', { index: 1, exitCode: 2, durationMs: 12 }, 'error'),
    ]);
    const [first, line, second] = state.items as [CommandItem, unknown, CommandItem];
    expect(first).toMatchObject({ state: 'finished', exitCode: 0, durationMs: 1234 });
    expect(commandOutcome(first, true)).toBe('exit 0');
    expect(line).toMatchObject({ kind: 'line', text: 'hi', commandIndex: 0 });
    expect(commandOutcome(second, true)).toBe('exit 2');
    expect(formatDuration(first.durationMs)).toBe('1.2 s');
    expect(state.items).toHaveLength(3);
  });

  it('shows a blocked command with its rule, and a timed-out one', () => {
    const state = applyEvents(initialTimeline(), [
      ev(1, 'run.command.blocked', 'Command 1 blocked', { index: 0, rule: 'sudo', command: 'sudo ls' }, 'error'),
      ev(2, 'run.command.started', 'Command 2 started', { index: 1, command: 'sleep 9' }),
      ev(3, 'run.command.finished', 'Command 2 failed', { index: 1, exitCode: 137, durationMs: 5000, timedOut: true }),
    ]);
    expect(state.items[0]).toMatchObject({ kind: 'command', state: 'blocked', rule: 'sudo', command: 'sudo ls' });
    expect(commandOutcome(state.items[1] as CommandItem, true)).toBe('timed out (exit 137)');
  });
});

describe('agent messages and tools', () => {
  const agent = (sequence: number, type: string, payload: Record<string, unknown>, message: string | null = null) =>
    ev(sequence, type, message, { provider: 'claude', ...payload });

  it('concatenates deltas into one message as they arrive, then the final text replaces them', () => {
    let state = applyEvents(initialTimeline(), [agent(1, 'agent.message.delta', { text: 'Hel' }, 'Hel')]);
    expect(state.items[0]).toMatchObject({ kind: 'message', text: 'Hel', streaming: true });
    state = applyEvents(state, [agent(2, 'agent.message.delta', { text: 'lo ' }), agent(3, 'agent.message.delta', { text: 'world' })]);
    expect(state.items).toHaveLength(1);
    expect((state.items[0] as MessageItem).text).toBe('Hello world');
    state = applyEvents(state, [agent(4, 'agent.message', { text: 'Hello, world!' })]);
    expect(state.items).toHaveLength(1);
    expect(state.items[0]).toMatchObject({ text: 'Hello, world!', streaming: false });
    // The next delta starts a new message.
    state = applyEvents(state, [agent(5, 'agent.message.delta', { text: 'Next' })]);
    expect(state.items).toHaveLength(2);
    expect((state.items[1] as MessageItem).text).toBe('Next');
  });

  it('keeps interleaved messages apart by item id', () => {
    const state = applyEvents(initialTimeline(), [
      agent(1, 'agent.message.delta', { itemId: 'a', text: 'A1 ' }),
      agent(2, 'agent.message.delta', { itemId: 'b', text: 'B1 ' }),
      agent(3, 'agent.message.delta', { itemId: 'a', text: 'A2' }),
      agent(4, 'agent.message', { itemId: 'b', text: 'B final' }),
    ]);
    expect(state.items.map((i) => (i as MessageItem).text)).toEqual(['A1 A2', 'B final']);
    expect((state.items[0] as MessageItem).streaming).toBe(true);
    expect((state.items[1] as MessageItem).streaming).toBe(false);
  });

  it('renders a tool call and attaches its result by call id; a tool call ends the current message', () => {
    const state = applyEvents(initialTimeline(), [
      agent(1, 'agent.message.delta', { text: 'Let me look.' }),
      agent(2, 'agent.tool_call', { callId: 'c1', tool: 'Bash', title: 'ls -la', input: { command: 'ls -la' } }),
      agent(3, 'agent.tool_result', { callId: 'c1', tool: 'Bash', status: 'ok', exitCode: 0, output: 'README.md' }),
      agent(4, 'agent.message.delta', { text: 'Done.' }),
      agent(5, 'agent.tool_result', { callId: 'unknown', tool: 'Edit', status: 'error', output: 'no such file' }),
    ]);
    expect(state.items.map((i) => i.kind)).toEqual(['message', 'tool', 'message', 'tool']);
    // The first message was cut short by the tool call: it no longer streams.
    expect((state.items[0] as MessageItem).streaming).toBe(false);
    expect(state.items[1] as ToolItem).toMatchObject({
      tool: 'Bash',
      title: 'ls -la',
      result: { status: 'ok', exitCode: 0, output: 'README.md' },
    });
    expect(state.items[3] as ToolItem).toMatchObject({ tool: 'Edit', result: { status: 'error' } });
  });

  it('replaces streamed deltas with the final message of the same item without repeating them', () => {
    // What the runner makes of claude-basic.jsonl: a message, two tool calls, a second message.
    const state = applyEvents(initialTimeline(), [
      agent(1, 'agent.message.delta', { itemId: 'm1', text: "I'll create" }),
      agent(2, 'agent.message.delta', { itemId: 'm1', text: ' hello.txt with' }),
      agent(3, 'agent.message.delta', { itemId: 'm1', text: ' a greeting.' }),
      agent(4, 'agent.message', { itemId: 'm1', text: "I'll create hello.txt with a greeting." }),
      agent(5, 'agent.tool_call', { callId: 't1', tool: 'Write', title: '/workspace/hello.txt', input: { file_path: '/workspace/hello.txt' } }),
      agent(6, 'agent.tool_result', { callId: 't1', tool: 'Write', status: 'ok', output: 'File created' }),
      agent(7, 'agent.message.delta', { itemId: 'm2', text: 'Done' }),
      agent(8, 'agent.message.delta', { itemId: 'm2', text: ': hello.txt now greets you.' }),
      agent(9, 'agent.message', { itemId: 'm2', text: 'Done: hello.txt now greets you.' }),
    ]);
    expect(state.items.map((i) => (i.kind === 'message' ? i.text : i.kind))).toEqual([
      "I'll create hello.txt with a greeting.",
      'tool',
      'Done: hello.txt now greets you.',
    ]);
    expect(state.items.filter((i) => i.kind === 'message').every((i) => !(i as MessageItem).streaming)).toBe(true);
  });

  it('shows the agent process milestones, reasoning and usage as their own rows, not raw notes', () => {
    const state = applyEvents(initialTimeline(), [
      agent(1, 'agent.started', { cli: 'claude', model: null, credential: 'stored' }, 'Starting Claude Code'),
      agent(2, 'agent.session.started', { sessionId: 's1', model: 'claude-sonnet-4-5' }, 'Claude Code session s1'),
      agent(3, 'agent.message.delta', { itemId: 'm1', text: 'Thinking aloud' }),
      agent(4, 'agent.reasoning', { provider: 'codex', itemId: 'r1', text: 'Plan: edit the file' }, 'Plan: edit the file'),
      agent(5, 'agent.usage', { inputTokens: 12, outputTokens: 173, cachedInputTokens: 39_320, costUsd: 0.0214 }, 'Tokens: …'),
      ev(6, 'agent.finished', 'Claude Code finished', { provider: 'claude', exitCode: 0, durationMs: 6012 }),
      ev(7, 'agent.error', 'Claude Code exited with code 3', { provider: 'claude', code: 'agent_failed' }, 'error'),
    ]);
    expect(state.items.map((i) => i.kind)).toEqual(['agent', 'agent', 'message', 'reasoning', 'usage', 'agent', 'agent']);
    expect(state.items[0]).toMatchObject({ phase: 'started', message: 'Starting Claude Code', model: null });
    expect(state.items[1]).toMatchObject({ phase: 'session', model: 'claude-sonnet-4-5' });
    // Reasoning ends the message being streamed.
    expect(state.items[2]).toMatchObject({ streaming: false });
    expect(state.items[3]).toMatchObject({ kind: 'reasoning', text: 'Plan: edit the file' });
    expect(usageText(state.items[4] as UsageItem)).toBe('12 input tokens (39,320 cached) · 173 output tokens · $0.0214');
    expect(state.items[5] as AgentItem).toMatchObject({ phase: 'finished', durationMs: 6012, level: 'info' });
    expect(state.items[6] as AgentItem).toMatchObject({ phase: 'error', level: 'error', message: 'Claude Code exited with code 3' });
  });

  it('reads usage without cache or cost, and larger costs in cents', () => {
    const usage = (payload: Partial<UsageItem>): UsageItem => ({
      kind: 'usage',
      key: '1',
      sequence: 1,
      provider: 'codex',
      inputTokens: null,
      outputTokens: null,
      cachedInputTokens: null,
      costUsd: null,
      ...payload,
    });
    expect(usageText(usage({ inputTokens: 1200, outputTokens: 30 }))).toBe('1,200 input tokens · 30 output tokens');
    expect(usageText(usage({ outputTokens: 5, costUsd: 1.5 }))).toBe('5 output tokens · $1.50');
  });

  it('remembers the pull request from git.pr.opened', () => {
    const state = applyEvents(initialTimeline(), [
      ev(1, 'git.commit.created', 'Committed abc123', { sha: 'abc123', branch: 'feature', files: ['a'] }),
      ev(2, 'git.pr.opened', 'Opened pull request #7', { number: 7, url: 'https://github.com/o/r/pull/7' }),
    ]);
    expect(state.pullRequest).toEqual({ number: 7, url: 'https://github.com/o/r/pull/7' });
    expect(state.items[1]).toMatchObject({ kind: 'note', link: { href: 'https://github.com/o/r/pull/7' } });
  });
});

describe('formatDuration', () => {
  it('reads naturally', () => {
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(65_000)).toBe('1 min 5 s');
    expect(formatDuration(null)).toBe('');
  });
});

describe('lines stored cut', () => {
  it('keeps the marker and the whole length of a truncated line', () => {
    const cut = ev(2, 'run.log', 'x'.repeat(10), { stream: 'stdout', commandIndex: 0, truncated: true, originalLength: 200_000_000 });
    const state = applyEvents(initialTimeline(), [log(1, 'before'), cut, log(3, 'after')]);
    const lines = state.items.filter((i) => i.kind === 'line');
    expect(lines.map((l) => (l.kind === 'line' ? l.truncatedFrom : 'no'))).toEqual([null, 200_000_000, null]);
  });

  it('marks a truncated line whose length is unknown', () => {
    const state = applyEvents(initialTimeline(), [ev(1, 'run.log', 'x', { truncated: true })]);
    const line = state.items[0];
    expect(line?.kind === 'line' ? line.truncatedFrom : null).toBe(-1);
  });

  it('formats byte counts for the marker', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(65_536)).toBe('64 KiB');
    expect(formatBytes(200_000_000)).toBe('190.7 MiB');
  });
});
