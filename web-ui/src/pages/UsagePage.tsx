import { useState } from 'react';
import { api } from '../api/api';
import type { UsageGroupBy } from '../api/types';
import { useTaskChanges } from '../app/realtime';
import { useResource, useThrottled } from '../app/useResource';
import { useWorkspaces } from '../app/workspace';
import { ErrorAlert } from '../components/ErrorAlert';
import { Loading } from '../components/States';
import { rangeStart } from '../usage/usage';
import { UsageView } from '../usage/UsageView';

/** Agent tokens and cost of the current workspace, with its budget. Refreshes when runs change. */
export default function UsagePage() {
  const { current, workspaces } = useWorkspaces();
  const [groupBy, setGroupBy] = useState<UsageGroupBy>('day');
  const [days, setDays] = useState(30);
  const workspaceId = current?.id ?? null;
  const from = rangeStart(days);
  const report = useResource(workspaceId ? `usage:${workspaceId}:${from}:${groupBy}` : null, () =>
    api.usage.get(workspaceId as string, from, null, groupBy),
  );
  const refresh = useThrottled(report.reload, 2000);
  useTaskChanges(() => refresh());

  return (
    <section className="page">
      <div className="page-head">
        <h1>Usage</h1>
        <div className="toolbar">
          <button type="button" className="btn" onClick={report.reload} disabled={report.fetching} aria-busy={report.fetching}>
            Refresh
          </button>
        </div>
      </div>
      <p className="muted lead">
        Tokens and cost of coding agents, as their CLIs report them (Codex reports no cost: it comes from the price
        table, <code>USAGE_PRICES</code>). Days are UTC.
      </p>
      <ErrorAlert error={report.error} onRetry={report.reload} />
      {report.loading || !report.data ? (
        !report.error && <Loading label="Loading usage…" />
      ) : (
        <UsageView
          key={workspaceId ?? ''}
          report={report.data}
          groupBy={groupBy}
          onGroupBy={setGroupBy}
          days={days}
          onDays={setDays}
          budget={current?.budget ?? null}
          onSaveBudget={async (budget) => {
            await api.workspaces.setBudget(workspaceId as string, budget);
            workspaces.reload();
            report.reload();
          }}
        />
      )}
    </section>
  );
}
