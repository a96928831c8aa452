import { useEffect, useState } from 'react';
import { api } from '../api/api';
import type { RunEvent } from '../api/types';
import { useRealtime } from '../app/realtime';
import { FrameBatcher } from '../realtime/frameBatcher';
import { followRun } from '../realtime/followRun';
import { applyEvents, initialTimeline, type TimelineState } from './timeline';

export interface RunTimeline {
  timeline: TimelineState;
  /** A server error about the subscription (e.g. the run does not exist). */
  error: string | null;
  /** True while stored events are still being loaded. */
  catchingUp: boolean;
}

interface State extends RunTimeline {
  runId: string | null;
}

/**
 * The live timeline of a run (see followRun: stored events in REST pages, then /ws from the last sequence, resumed
 * after reconnects). Live events are applied once per animation frame.
 */
export function useRunTimeline(runId: string | null): RunTimeline {
  const client = useRealtime();
  const [state, setState] = useState<State>(() => ({ runId, timeline: initialTimeline(), error: null, catchingUp: true }));

  useEffect(() => {
    if (!runId) return;
    setState({ runId, timeline: initialTimeline(), error: null, catchingUp: true });
    const update = (change: (s: State) => State) => setState((s) => (s.runId === runId ? change(s) : s));
    const apply = (events: RunEvent[]) => update((s) => ({ ...s, timeline: applyEvents(s.timeline, events) }));
    const batcher = new FrameBatcher<RunEvent>(apply);
    const stop = followRun({
      runId,
      client,
      fetchPage: api.runs.events,
      onBacklog: apply,
      onEvent: (event) => batcher.push(event),
      onCaughtUp: () => update((s) => ({ ...s, catchingUp: false })),
      onError: (message) => update((s) => ({ ...s, error: message })),
    });
    return () => {
      stop();
      batcher.dispose();
    };
  }, [client, runId]);

  if (state.runId !== runId) return { timeline: initialTimeline(), error: null, catchingUp: true };
  return state;
}
