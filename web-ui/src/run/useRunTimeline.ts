import { useEffect, useState } from 'react';
import type { RunEvent } from '../api/types';
import { useRealtime } from '../app/realtime';
import { FrameBatcher } from '../realtime/frameBatcher';
import { applyEvents, initialTimeline, type TimelineState } from './timeline';

export interface RunTimeline {
  timeline: TimelineState;
  /** A server error about the subscription (e.g. the run does not exist). */
  error: string | null;
}

/**
 * The live timeline of a run: subscribes over /ws (the server replays stored events first, then live ones; after a
 * reconnect the client resumes after the last sequence) and applies events once per animation frame.
 */
export function useRunTimeline(runId: string | null): RunTimeline {
  const client = useRealtime();
  const [state, setState] = useState<{ runId: string | null; timeline: TimelineState; error: string | null }>(() => ({
    runId,
    timeline: initialTimeline(),
    error: null,
  }));

  useEffect(() => {
    if (!runId) return;
    setState({ runId, timeline: initialTimeline(), error: null });
    const batcher = new FrameBatcher<RunEvent>((events) =>
      setState((s) => (s.runId === runId ? { ...s, timeline: applyEvents(s.timeline, events) } : s)),
    );
    const subscription = client.subscribeRun(runId, {
      onEvent: (event) => batcher.push(event),
      onError: (message) => setState((s) => (s.runId === runId ? { ...s, error: message } : s)),
    });
    return () => {
      subscription.close();
      batcher.dispose();
    };
  }, [client, runId]);

  if (state.runId !== runId) return { timeline: initialTimeline(), error: null };
  return { timeline: state.timeline, error: state.error };
}
