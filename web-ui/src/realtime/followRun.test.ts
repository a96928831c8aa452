import { describe, expect, it, vi } from 'vitest';
import type { Page, RunEvent } from '../api/types';
import { followRun } from './followRun';
import { RealtimeClient, type SocketLike } from './RealtimeClient';

const RUN = 'run-1';
const ev = (sequence: number): RunEvent => ({
  runId: RUN,
  sequence,
  eventType: 'run.log',
  level: 'info',
  message: `line ${sequence}`,
  payload: {},
  createdAt: new Date(0).toISOString(),
});

class Socket implements SocketLike {
  readyState = 0;
  sent: Record<string, unknown>[] = [];
  onopen: ((e: unknown) => void) | null = null;
  onmessage: ((e: { data: unknown }) => void) | null = null;
  onclose: ((e: { code: number }) => void) | null = null;
  onerror: ((e: unknown) => void) | null = null;
  send(data: string) {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }
  close() {
    this.readyState = 3;
  }
  push(sequence: number) {
    this.onmessage?.({ data: JSON.stringify({ type: 'run_event', runId: RUN, event: ev(sequence) }) });
  }
}

function setup(fetchPage: (runId: string, after: number, limit: number) => Promise<Page<RunEvent>>) {
  const socket = new Socket();
  const client = new RealtimeClient({ url: () => 'ws://x/ws', createSocket: () => socket });
  client.start();
  socket.readyState = 1;
  socket.onopen?.({});
  const backlog: number[][] = [];
  const live: number[] = [];
  const caughtUp = vi.fn();
  const stop = followRun({
    runId: RUN,
    client,
    fetchPage,
    pageSize: 3,
    onBacklog: (events) => backlog.push(events.map((e) => e.sequence)),
    onEvent: (e) => live.push(e.sequence),
    onCaughtUp: caughtUp,
  });
  return { socket, client, backlog, live, caughtUp, stop };
}

describe('followRun', () => {
  it('reads stored events in pages, then subscribes after the last one: no gap, no duplicate', async () => {
    const stored = [1, 2, 3, 4, 5, 6, 7].map(ev);
    const fetchPage = vi.fn(async (_run: string, after: number, limit: number) => {
      const items = stored.filter((e) => e.sequence > after).slice(0, limit);
      return { items, nextCursor: items.length === limit ? String(items[items.length - 1]!.sequence) : null };
    });
    const { socket, backlog, live, caughtUp, client, stop } = setup(fetchPage);
    await vi.waitFor(() => expect(caughtUp).toHaveBeenCalled());
    expect(fetchPage.mock.calls.map((c) => c[1])).toEqual([0, 3, 6]);
    expect(backlog).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
    expect(socket.sent).toContainEqual({ type: 'subscribe_run', runId: RUN, afterSequence: 7 });
    // The server's replay may overlap what the pages brought.
    for (const s of [6, 7, 8, 9]) socket.push(s);
    expect(live).toEqual([8, 9]);
    stop();
    expect(socket.sent.at(-1)).toEqual({ type: 'unsubscribe_run', runId: RUN });
    client.stop();
  });

  it('falls back to the socket from where the pages stopped when a page fails', async () => {
    const fetchPage = vi.fn(async (_run: string, after: number) => {
      if (after > 0) throw new Error('network down');
      return { items: [ev(1), ev(2), ev(3)], nextCursor: '3' };
    });
    const { socket, backlog, live, caughtUp, client } = setup(fetchPage);
    await vi.waitFor(() => expect(caughtUp).toHaveBeenCalled());
    expect(backlog).toEqual([[1, 2, 3]]);
    expect(socket.sent).toContainEqual({ type: 'subscribe_run', runId: RUN, afterSequence: 3 });
    for (const s of [4, 5]) socket.push(s);
    expect(live).toEqual([4, 5]);
    client.stop();
  });

  it('does not subscribe when stopped while pages load', async () => {
    let release: (page: Page<RunEvent>) => void = () => {};
    const { socket, stop, caughtUp, client } = setup(() => new Promise((resolve) => (release = resolve)));
    stop();
    release({ items: [ev(1)], nextCursor: null });
    // Let every promise continuation that the page's arrival set off run (no timer, no guess at how long).
    await new Promise((r) => setImmediate(r));
    expect(caughtUp).not.toHaveBeenCalled();
    expect(socket.sent.filter((m) => m.type === 'subscribe_run')).toEqual([]);
    client.stop();
  });
});
