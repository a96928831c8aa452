// One WebSocket to /ws for the whole app (SPEC §3): run subscriptions that resume after a reconnect from the last
// sequence they delivered (no gap, no duplicate), the task-change feed, ping keepalive, and reconnects with
// exponential backoff and jitter. The socket is created through a factory, so tests drive it with a fake or a
// real local server.
import type { RunEvent } from '../api/types';

export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'reconnected' | 'stopped';

/** The part of the browser WebSocket this client uses. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason?: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

export type SocketFactory = (url: string) => SocketLike;

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  factor: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 15_000, factor: 2 };

/**
 * Delay before reconnect attempt `attempt` (0-based): exponential, capped, with "equal jitter" (between half and
 * all of the step) so that many tabs that lost the same server do not come back in lockstep, yet none retries at
 * once in a tight loop.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF, random = Math.random): number {
  const step = Math.min(options.maxMs, options.initialMs * Math.pow(options.factor, Math.max(0, attempt)));
  return Math.round(step / 2 + random() * (step / 2));
}

export interface RealtimeOptions {
  /** The /ws URL; called before every connect so that a changed token is used. */
  url: () => string;
  createSocket?: SocketFactory;
  backoff?: BackoffOptions;
  /** How often to ping an open socket. */
  pingIntervalMs?: number;
  /** A socket that received nothing for this long after a ping counts as dead and is replaced. */
  pongTimeoutMs?: number;
  /** How long the state stays `reconnected` before it turns `live`. */
  reconnectedDisplayMs?: number;
  random?: () => number;
}

export interface RunSubscriptionHandlers {
  /** Events in sequence order, each exactly once. */
  onEvent: (event: RunEvent) => void;
  /** A server error about this run (e.g. run_not_found). */
  onError?: (message: string, code: string | null) => void;
}

export interface RunSubscription {
  readonly runId: string;
  /** The last sequence delivered; a reconnect resumes after it. */
  readonly lastSequence: number;
  close(): void;
}

interface RunSub {
  runId: string;
  lastSequence: number;
  handlers: RunSubscriptionHandlers;
  /** A gap was seen and a resubscribe sent: drop everything until the server confirms it. */
  resyncing: boolean;
  closed: boolean;
}

const OPEN = 1;

function defaultSocketFactory(url: string): SocketLike {
  return new WebSocket(url) as unknown as SocketLike;
}

export class RealtimeClient {
  private readonly options: Required<Omit<RealtimeOptions, 'url'>> & Pick<RealtimeOptions, 'url'>;
  private socket: SocketLike | null = null;
  private stateValue: ConnectionState = 'stopped';
  private running = false;
  private everOpened = false;
  private attempt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private pongTimer: ReturnType<typeof setTimeout> | null = null;
  private reconnectedTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly runs = new Map<string, RunSub[]>();
  private readonly taskListeners = new Set<(taskId: string | null) => void>();
  private readonly stateListeners = new Set<(state: ConnectionState) => void>();
  private readonly reconnectListeners = new Set<() => void>();
  private connects = 0;

  constructor(options: RealtimeOptions) {
    this.options = {
      url: options.url,
      createSocket: options.createSocket ?? defaultSocketFactory,
      backoff: options.backoff ?? DEFAULT_BACKOFF,
      pingIntervalMs: options.pingIntervalMs ?? 20_000,
      pongTimeoutMs: options.pongTimeoutMs ?? 10_000,
      reconnectedDisplayMs: options.reconnectedDisplayMs ?? 3_000,
      random: options.random ?? Math.random,
    };
  }

  get state(): ConnectionState {
    return this.stateValue;
  }

  /** How many sockets were opened so far (for tests and diagnostics). */
  get connectCount(): number {
    return this.connects;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.connect();
  }

  stop(): void {
    this.running = false;
    this.clearTimers();
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      detach(socket);
      socket.close(1000, 'client stopped');
    }
    this.setState('stopped');
  }

  /** Replaces the socket now (e.g. the token changed), keeping every subscription. */
  restart(): void {
    this.stop();
    this.everOpened = false;
    this.attempt = 0;
    this.start();
  }

  /** When waiting to reconnect, tries at once (the browser came back online, the tab became visible). */
  reconnectNow(): void {
    if (!this.running || this.socket) return;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.connect();
  }

  onState(listener: (state: ConnectionState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** Called after every successful reconnect: anything missed while away must be fetched again. */
  onReconnect(listener: () => void): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  /** Follows task and run status changes (`tasks_changed`). */
  onTasksChanged(listener: (taskId: string | null) => void): () => void {
    const first = this.taskListeners.size === 0;
    this.taskListeners.add(listener);
    if (first) this.send({ type: 'subscribe_tasks' });
    return () => this.taskListeners.delete(listener);
  }

  /**
   * Follows a run's events after `afterSequence` (default 0: from the start, the server replays stored ones).
   * Several subscriptions of one run share nothing: each keeps its own position.
   */
  subscribeRun(runId: string, handlers: RunSubscriptionHandlers, afterSequence = 0): RunSubscription {
    const sub: RunSub = { runId, lastSequence: afterSequence, handlers, resyncing: false, closed: false };
    const list = this.runs.get(runId) ?? [];
    list.push(sub);
    this.runs.set(runId, list);
    if (list.length === 1) {
      this.send({ type: 'subscribe_run', runId, afterSequence });
    } else {
      // The server keeps one subscription per run and socket; a second reader starting elsewhere restarts it
      // from the lowest position any reader needs, and each reader drops what it already has.
      this.send({ type: 'subscribe_run', runId, afterSequence: this.lowestSequence(runId) });
    }
    return {
      runId,
      get lastSequence() {
        return sub.lastSequence;
      },
      close: () => {
        if (sub.closed) return;
        sub.closed = true;
        const remaining = (this.runs.get(runId) ?? []).filter((s) => s !== sub);
        if (remaining.length === 0) {
          this.runs.delete(runId);
          this.send({ type: 'unsubscribe_run', runId });
        } else {
          this.runs.set(runId, remaining);
        }
      },
    };
  }

  private lowestSequence(runId: string): number {
    return Math.min(...(this.runs.get(runId) ?? []).map((s) => s.lastSequence));
  }

  private connect(): void {
    if (!this.running) return;
    this.setState(this.everOpened ? 'reconnecting' : 'connecting');
    let socket: SocketLike;
    try {
      socket = this.options.createSocket(this.options.url());
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    this.connects++;
    socket.onopen = () => {
      if (this.socket !== socket) return;
      const wasReconnect = this.everOpened;
      this.everOpened = true;
      this.attempt = 0;
      this.resubscribeAll();
      this.startKeepalive();
      if (wasReconnect) {
        this.setState('reconnected');
        this.reconnectedTimer = setTimeout(() => {
          this.reconnectedTimer = null;
          if (this.stateValue === 'reconnected') this.setState('live');
        }, this.options.reconnectedDisplayMs);
        this.reconnectListeners.forEach((listener) => listener());
      } else {
        this.setState('live');
      }
    };
    socket.onmessage = (event) => {
      if (this.socket !== socket) return;
      this.alive();
      if (typeof event.data === 'string') this.handle(event.data);
    };
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.dropped(event.code === 4008);
    };
    socket.onerror = () => {
      // A close event follows; some environments never send it for a failed handshake, so close explicitly.
      if (this.socket !== socket) return;
      try {
        socket.close();
      } catch {
        // already closed
      }
    };
  }

  /** The socket is gone: forget it and come back later, resuming every subscription where it stopped. */
  private dropped(immediately = false): void {
    const socket = this.socket;
    this.socket = null;
    this.stopKeepalive();
    if (this.reconnectedTimer) clearTimeout(this.reconnectedTimer);
    this.reconnectedTimer = null;
    if (socket) detach(socket);
    if (!this.running) return;
    if (immediately) this.attempt = 0;
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    this.setState(this.everOpened ? 'reconnecting' : 'connecting');
    const delay = backoffDelay(this.attempt, this.options.backoff, this.options.random);
    this.attempt++;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connect();
    }, delay);
  }

  private resubscribeAll(): void {
    if (this.taskListeners.size > 0) this.send({ type: 'subscribe_tasks' });
    for (const [runId, subs] of this.runs) {
      subs.forEach((s) => (s.resyncing = false));
      this.send({ type: 'subscribe_run', runId, afterSequence: this.lowestSequence(runId) });
    }
  }

  private handle(text: string): void {
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return;
    }
    switch (message.type) {
      case 'run_event': {
        const event = message.event as RunEvent | undefined;
        const runId = typeof message.runId === 'string' ? message.runId : event?.runId;
        if (event && runId) this.deliver(runId, event);
        break;
      }
      case 'subscribed': {
        const subs = typeof message.runId === 'string' ? this.runs.get(message.runId) : undefined;
        subs?.forEach((s) => (s.resyncing = false));
        break;
      }
      case 'tasks_changed': {
        const taskId = typeof message.taskId === 'string' ? message.taskId : null;
        this.taskListeners.forEach((listener) => listener(taskId));
        break;
      }
      case 'error': {
        const text = typeof message.message === 'string' ? message.message : 'Realtime error';
        const code = typeof message.code === 'string' ? message.code : null;
        for (const [runId, subs] of this.runs) {
          if (text.includes(runId)) subs.forEach((s) => s.handlers.onError?.(text, code));
        }
        break;
      }
      default:
        break; // pong and anything newer than this client
    }
  }

  private deliver(runId: string, event: RunEvent): void {
    const subs = this.runs.get(runId);
    if (!subs) return;
    let gap = false;
    for (const sub of subs) {
      if (sub.closed || event.sequence <= sub.lastSequence) continue; // already delivered: a replay
      if (event.sequence !== sub.lastSequence + 1) {
        gap = gap || !sub.resyncing;
        sub.resyncing = true;
        continue;
      }
      if (sub.resyncing) continue;
      sub.lastSequence = event.sequence;
      sub.handlers.onEvent(event);
    }
    if (gap) {
      // Something is missing between what we have and this event: ask again from where we are.
      this.send({ type: 'subscribe_run', runId, afterSequence: this.lowestSequence(runId) });
    }
  }

  private send(message: Record<string, unknown>): void {
    const socket = this.socket;
    if (socket && socket.readyState === OPEN) {
      try {
        socket.send(JSON.stringify(message));
      } catch {
        // the close handler takes it from here; subscriptions are re-sent on reconnect
      }
    }
  }

  private startKeepalive(): void {
    this.stopKeepalive();
    this.pingTimer = setInterval(() => {
      this.send({ type: 'ping' });
      if (!this.pongTimer) {
        this.pongTimer = setTimeout(() => {
          this.pongTimer = null;
          // Nothing came back: the connection is dead even if no close event says so.
          const socket = this.socket;
          this.dropped();
          try {
            socket?.close(4000, 'keepalive timeout');
          } catch {
            // ignore
          }
        }, this.options.pongTimeoutMs);
      }
    }, this.options.pingIntervalMs);
  }

  private alive(): void {
    if (this.pongTimer) clearTimeout(this.pongTimer);
    this.pongTimer = null;
  }

  private stopKeepalive(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = null;
    this.alive();
  }

  private clearTimers(): void {
    this.stopKeepalive();
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.reconnectedTimer) clearTimeout(this.reconnectedTimer);
    this.reconnectTimer = null;
    this.reconnectedTimer = null;
  }

  private setState(state: ConnectionState): void {
    if (this.stateValue === state) return;
    this.stateValue = state;
    this.stateListeners.forEach((listener) => listener(state));
  }
}

function detach(socket: SocketLike): void {
  socket.onopen = null;
  socket.onmessage = null;
  socket.onclose = null;
  socket.onerror = null;
}

/** The /ws URL of the page's origin, with the API token as `?token=` (browsers cannot set headers on a socket). */
export function realtimeUrl(location: { protocol: string; host: string }, token: string | null): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const base = `${scheme}://${location.host}/ws`;
  return token ? `${base}?token=${encodeURIComponent(token)}` : base;
}
