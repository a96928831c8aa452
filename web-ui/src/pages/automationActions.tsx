import { useState } from 'react';
import { Link } from 'wouter';
import { api } from '../api/api';
import { toApiError, type ApiError } from '../api/client';
import type { Automation, AutomationTriggerResult } from '../api/types';
import { broadcast } from '../sync/broadcast';

export type ActionOutcome = { kind: 'triggered'; result: AutomationTriggerResult } | { kind: 'deleted'; name: string } | null;

/** Trigger / enable / disable / delete with their busy state, error and outcome. */
export function useAutomationActions(onChanged: () => void) {
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [outcome, setOutcome] = useState<ActionOutcome>(null);

  async function run<T>(key: string, action: () => Promise<T>, after?: (value: T) => void) {
    setBusy(key);
    setError(null);
    setOutcome(null);
    try {
      const value = await action();
      after?.(value);
      broadcast({ type: 'automations' });
      onChanged();
    } catch (e) {
      setError(toApiError(e));
    } finally {
      setBusy(null);
    }
  }

  return {
    busy,
    error,
    outcome,
    trigger: (a: Automation) =>
      run(`trigger:${a.id}`, () => api.automations.trigger(a.id), (result) => {
        setOutcome({ kind: 'triggered', result });
        broadcast({ type: 'tasks', taskId: result.task.id });
      }),
    toggle: (a: Automation) =>
      run(`toggle:${a.id}`, () => (a.enabled ? api.automations.disable(a.id) : api.automations.enable(a.id))),
    remove: (a: Automation, after?: () => void) =>
      run(`delete:${a.id}`, () => api.automations.remove(a.id), () => {
        setOutcome({ kind: 'deleted', name: a.name });
        after?.();
      }),
  };
}

export function OutcomeMessage({ outcome }: { outcome: ActionOutcome }) {
  if (!outcome) return null;
  return (
    <p role="status" className="notice notice-ok">
      {outcome.kind === 'triggered' ? (
        <>
          Triggered: created task <Link href={`/tasks/${outcome.result.task.id}`}>{outcome.result.task.title}</Link> with run{' '}
          {outcome.result.run.attempt} ({outcome.result.run.status}).
        </>
      ) : (
        <>Deleted automation “{outcome.name}”.</>
      )}
    </p>
  );
}
