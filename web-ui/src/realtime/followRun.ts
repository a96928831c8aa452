import type { Page, RunEvent } from '../api/types';
import type { RealtimeClient, RunSubscription } from './RealtimeClient';

export interface FollowRunOptions {
  runId: string;
  client: Pick<RealtimeClient, 'subscribeRun'>;
  /** A page of stored events after `afterSequence` (GET /api/runs/{id}/events). */
  fetchPage: (runId: string, afterSequence: number, limit: number) => Promise<Page<RunEvent>>;
  pageSize?: number;
  /** Each page of stored events, in order. */
  onBacklog: (events: RunEvent[]) => void;
  /** Each live event, in order, exactly once. */
  onEvent: (event: RunEvent) => void;
  /** The stored events are in; live ones follow. */
  onCaughtUp?: () => void;
  onError?: (message: string) => void;
}

/**
 * Follows a run: stored events first, in big REST pages (far faster than a socket replaying them one message at a
 * time), then the /ws subscription from the last sequence read, so nothing is missed between the two and nothing
 * comes twice. If the REST read fails part way, the socket replays from where it stopped. Returns a stop function.
 */
export function followRun(options: FollowRunOptions): () => void {
  const { runId, client, fetchPage, pageSize = 5000 } = options;
  let stopped = false;
  let subscription: RunSubscription | null = null;

  void (async () => {
    let after = 0;
    try {
      for (;;) {
        const page = await fetchPage(runId, after, pageSize);
        if (stopped) return;
        const fresh = page.items.filter((e) => e.sequence > after);
        if (fresh.length > 0) {
          options.onBacklog(fresh);
          after = fresh[fresh.length - 1]!.sequence;
        }
        if (!page.nextCursor || fresh.length === 0) break;
      }
    } catch {
      // The socket replays whatever the pages did not bring.
    }
    if (stopped) return;
    options.onCaughtUp?.();
    subscription = client.subscribeRun(runId, { onEvent: options.onEvent, onError: options.onError }, after);
  })();

  return () => {
    stopped = true;
    subscription?.close();
  };
}
