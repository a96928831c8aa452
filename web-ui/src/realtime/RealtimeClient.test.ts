import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WebSocket as NodeWebSocket, WebSocketServer, type WebSocket as ServerSocket } from 'ws';
import type { AddressInfo } from 'node:net';
import type { RunEvent } from '../api/types';
import { backoffDelay, RealtimeClient, realtimeUrl, type ConnectionState, type SocketLike } from './RealtimeClient';

const RUN = '7b0c1a36-8a43-4bb8-9a3a-6a2b8e0d3f11';

function event(sequence: number, runId = RUN): RunEvent {
  return {
    runId,
    sequence,
    eventType: 'run.log',
    level: 'info',
    message: `line ${sequence}`,
    payload: { stream: 'stdout', commandIndex: 0 },
    createdAt: new Date(0).toISOString(),
  };
}

/** A socket the test drives by hand. */
class FakeSocket implements SocketLike {
  static all: FakeSocket[] = [];
  readyState = 0;
  sent: Record<string, unknown>[] = [];
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason?: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  closedWith: number | null = null;

  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(data: string) {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }
  close(code = 1000) {
    this.closedWith = code;
    this.readyState = 3;
  }
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  receive(message: unknown) {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
  drop(code = 1006) {
    this.readyState = 3;
    this.onclose?.({ code });
  }
  static last(): FakeSocket {
    return FakeSocket.all[FakeSocket.all.length - 1]!;
  }
}

describe('backoffDelay', () => {
  it('grows exponentially up to the cap, with jitter between half and all of the step', () => {
    const options = { initialMs: 500, maxMs: 15_000, factor: 2 };
    expect(backoffDelay(0, options, () => 0)).toBe(250);
    expect(backoffDelay(0, options, () => 1)).toBe(500);
    expect(backoffDelay(3, options, () => 1)).toBe(4000);
    expect(backoffDelay(3, options, () => 0)).toBe(2000);
    expect(backoffDelay(20, options, () => 1)).toBe(15_000);
    expect(backoffDelay(20, options, () => 0.5)).toBe(11_250);
  });
});

describe('realtimeUrl', () => {
  it('derives ws(s) from the page and passes the token as a query parameter', () => {
    expect(realtimeUrl({ protocol: 'http:', host: 'localhost:3000' }, null)).toBe('ws://localhost:3000/ws');
    expect(realtimeUrl({ protocol: 'https:', host: 'ac.example' }, 'a b')).toBe('wss://ac.example/ws?token=a%20b');
  });
});

describe('RealtimeClient with a fake socket', () => {
  let client: RealtimeClient;
  let states: ConnectionState[];

  beforeEach(() => {
    vi.useFakeTimers();
    FakeSocket.all = [];
    client = new RealtimeClient({
      url: () => 'ws://test/ws',
      createSocket: (url) => new FakeSocket(url),
      backoff: { initialMs: 100, maxMs: 1000, factor: 2 },
      pingIntervalMs: 1000,
      pongTimeoutMs: 500,
      reconnectedDisplayMs: 2000,
      random: () => 1,
    });
    states = [];
    client.onState((s) => states.push(s));
  });

  afterEach(() => {
    client.stop();
    vi.useRealTimers();
  });

  it('sends subscriptions made before the socket opened once it opens', () => {
    const seen: number[] = [];
    client.subscribeRun(RUN, { onEvent: (e) => seen.push(e.sequence) }, 5);
    client.onTasksChanged(() => {});
    client.start();
    const socket = FakeSocket.last();
    expect(socket.sent).toEqual([]);
    socket.open();
    expect(socket.sent).toEqual([{ type: 'subscribe_tasks' }, { type: 'subscribe_run', runId: RUN, afterSequence: 5 }]);
    expect(states).toEqual(['connecting', 'live']);
  });

  it('drops replays, and on a gap asks again from the last sequence and ignores events until confirmed', () => {
    const seen: number[] = [];
    client.start();
    const socket = FakeSocket.last();
    socket.open();
    client.subscribeRun(RUN, { onEvent: (e) => seen.push(e.sequence) });
    socket.receive({ type: 'subscribed', runId: RUN });
    for (const s of [1, 2, 2, 1, 3]) socket.receive({ type: 'run_event', runId: RUN, event: event(s) });
    expect(seen).toEqual([1, 2, 3]);
    socket.sent = [];
    socket.receive({ type: 'run_event', runId: RUN, event: event(5) });
    socket.receive({ type: 'run_event', runId: RUN, event: event(6) });
    expect(socket.sent).toEqual([{ type: 'subscribe_run', runId: RUN, afterSequence: 3 }]);
    socket.receive({ type: 'subscribed', runId: RUN });
    for (const s of [4, 5, 6]) socket.receive({ type: 'run_event', runId: RUN, event: event(s) });
    expect(seen).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('reconnects with backoff after a drop and resumes after the last delivered sequence', () => {
    const seen: number[] = [];
    const reconnects = vi.fn();
    client.onReconnect(reconnects);
    const sub = client.subscribeRun(RUN, { onEvent: (e) => seen.push(e.sequence) });
    client.start();
    FakeSocket.last().open();
    for (const s of [1, 2]) FakeSocket.last().receive({ type: 'run_event', runId: RUN, event: event(s) });
    FakeSocket.last().drop();
    expect(states.at(-1)).toBe('reconnecting');
    expect(FakeSocket.all).toHaveLength(1);
    vi.advanceTimersByTime(99);
    expect(FakeSocket.all).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.all).toHaveLength(2);
    // The second try fails too: the wait doubles.
    FakeSocket.last().drop();
    vi.advanceTimersByTime(199);
    expect(FakeSocket.all).toHaveLength(2);
    vi.advanceTimersByTime(1);
    const socket = FakeSocket.last();
    socket.open();
    expect(socket.sent).toEqual([{ type: 'subscribe_run', runId: RUN, afterSequence: 2 }]);
    expect(sub.lastSequence).toBe(2);
    expect(states.slice(-2)).toEqual(['reconnecting', 'reconnected']);
    expect(reconnects).toHaveBeenCalledTimes(1);
    for (const s of [2, 3]) socket.receive({ type: 'run_event', runId: RUN, event: event(s) });
    expect(seen).toEqual([1, 2, 3]);
    vi.advanceTimersByTime(1000);
    socket.receive({ type: 'pong' }); // keepalive answered: the socket stays
    vi.advanceTimersByTime(1000);
    expect(client.state).toBe('live');
    // After a success the backoff starts again from the beginning.
    socket.drop();
    vi.advanceTimersByTime(100);
    expect(FakeSocket.all).toHaveLength(4);
  });

  it('pings, and replaces a socket that stops answering', () => {
    client.start();
    const socket = FakeSocket.last();
    socket.open();
    vi.advanceTimersByTime(1000);
    expect(socket.sent).toContainEqual({ type: 'ping' });
    socket.receive({ type: 'pong' });
    vi.advanceTimersByTime(1000);
    expect(FakeSocket.all).toHaveLength(1);
    // No answer to the second ping within the timeout.
    vi.advanceTimersByTime(500);
    expect(socket.closedWith).toBe(4000);
    expect(client.state).toBe('reconnecting');
    vi.advanceTimersByTime(100);
    expect(FakeSocket.all).toHaveLength(2);
  });

  it('reconnects at once when the server closed a slow client (4008)', () => {
    client.start();
    FakeSocket.last().open();
    FakeSocket.last().drop(1006);
    vi.advanceTimersByTime(100);
    FakeSocket.last().open(); // attempt counter reset by the success
    FakeSocket.last().drop(1006);
    vi.advanceTimersByTime(100);
    FakeSocket.last().drop(4008);
    vi.advanceTimersByTime(100);
    expect(FakeSocket.all).toHaveLength(4);
  });

  it('tells task listeners about changes and routes run errors to their subscription', () => {
    const changed: (string | null)[] = [];
    const errors: string[] = [];
    client.start();
    FakeSocket.last().open();
    client.onTasksChanged((id) => changed.push(id));
    client.subscribeRun(RUN, { onEvent: () => {}, onError: (m, code) => errors.push(`${code}: ${m}`) });
    FakeSocket.last().receive({ type: 'tasks_changed', taskId: 't1' });
    FakeSocket.last().receive({ type: 'tasks_changed' });
    FakeSocket.last().receive({ type: 'error', code: 'run_not_found', message: `Run ${RUN} does not exist` });
    expect(changed).toEqual(['t1', null]);
    expect(errors).toEqual([`run_not_found: Run ${RUN} does not exist`]);
  });

  it('unsubscribes when the last reader of a run closes, and stops for good on stop()', () => {
    client.start();
    const socket = FakeSocket.last();
    socket.open();
    const a = client.subscribeRun(RUN, { onEvent: () => {} });
    const b = client.subscribeRun(RUN, { onEvent: () => {} });
    a.close();
    expect(socket.sent.filter((m) => m.type === 'unsubscribe_run')).toEqual([]);
    b.close();
    expect(socket.sent.at(-1)).toEqual({ type: 'unsubscribe_run', runId: RUN });
    client.stop();
    expect(client.state).toBe('stopped');
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.all).toHaveLength(1);
  });
});

describe('RealtimeClient against a real WebSocket server', () => {
  let server: WebSocketServer;
  let port: number;

  beforeEach(async () => {
    server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    port = (server.address() as AddressInfo).port;
  });

  afterEach(async () => {
    for (const c of server.clients) c.terminate();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  // Real sockets and real timers: nothing here may depend on how fast this machine is. The test waits for states
  // and deliveries instead of racing timers, and the server drops the connection once its events are written.
  it('resumes after the server drops the connection: every event exactly once, in order', { timeout: 30_000 }, async () => {
    const subscribes: { afterSequence: number }[] = [];
    let connection = 0;
    const stored = Array.from({ length: 10 }, (_, i) => event(i + 1));
    server.on('connection', (socket: ServerSocket) => {
      connection++;
      const mine = connection;
      socket.on('message', (data) => {
        const message = JSON.parse(String(data)) as { type: string; runId: string; afterSequence?: number };
        if (message.type !== 'subscribe_run') return;
        const after = message.afterSequence ?? 0;
        subscribes.push({ afterSequence: after });
        socket.send(JSON.stringify({ type: 'subscribed', runId: message.runId }));
        if (mine === 1) {
          // Send 1..4, then die mid-stream: as soon as the last one is written (no timer), without a close frame.
          const first = stored.slice(after, 4);
          first.forEach((e, i) =>
            socket.send(JSON.stringify({ type: 'run_event', runId: RUN, event: e }), () => {
              if (i === first.length - 1) socket.terminate();
            }),
          );
        } else {
          // A sloppy server replays one event too many: the client must not show it twice.
          for (const e of stored.slice(Math.max(0, after - 1))) {
            socket.send(JSON.stringify({ type: 'run_event', runId: RUN, event: e }));
          }
        }
      });
    });

    const client = new RealtimeClient({
      url: () => `ws://127.0.0.1:${port}/ws`,
      createSocket: (url) => new NodeWebSocket(url) as unknown as SocketLike,
      backoff: { initialMs: 20, maxMs: 100, factor: 2 },
      reconnectedDisplayMs: 50,
    });
    const states: ConnectionState[] = [];
    client.onState((s) => states.push(s));
    const seen: number[] = [];
    client.subscribeRun(RUN, { onEvent: (e) => seen.push(e.sequence) });
    client.start();
    // Wait for the outcome, not for a moment: all ten events, and the indicator back to live after showing
    // `reconnected` for its 50 ms (however long this machine takes to get there).
    await vi.waitFor(
      () => {
        expect(seen).toHaveLength(10);
        expect(states).toContain('reconnected');
        expect(states.at(-1)).toBe('live');
      },
      { timeout: 20_000 },
    );
    client.stop();

    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(subscribes).toEqual([{ afterSequence: 0 }, { afterSequence: 4 }]);
    // Every state, in order: one drop, one reconnect, `reconnected` shown before `live` comes back.
    expect(states).toEqual(['connecting', 'live', 'reconnecting', 'reconnected', 'live', 'stopped']);
  });
});
