import { useEffect } from 'react';
import { api } from '../api/api';
import { IsolationBadge, UnisolatedRunnersAlert } from '../components/Isolation';
import { useTaskChanges } from '../app/realtime';
import { useResource, useThrottled } from '../app/useResource';
import { ErrorAlert } from '../components/ErrorAlert';
import { EmptyState, Loading } from '../components/States';
import { StatusBadge } from '../components/StatusBadge';
import { formatAbsolute, RelativeTime } from '../components/Time';

/** Heartbeats are not pushed: the list refreshes every 10 s while the page is visible, and on run changes. */
const REFRESH_MS = 10_000;

export default function RunnersPage() {
  const runners = useResource('runners', async () => (await api.runners.list()).items);
  const { reload } = runners;
  const refresh = useThrottled(reload, 1000);
  useTaskChanges(() => refresh());
  useEffect(() => {
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') reload();
    }, REFRESH_MS);
    return () => clearInterval(timer);
  }, [reload]);

  const list = runners.data ?? [];
  return (
    <section className="page">
      <div className="page-head">
        <h1>Runners</h1>
        <div className="toolbar">
          <button type="button" className="btn" onClick={reload} disabled={runners.fetching} aria-busy={runners.fetching}>
            Refresh
          </button>
        </div>
      </div>
      <p className="muted lead">Runners register themselves and execute the runs workers hand them. A runner without a heartbeat for a while counts as offline.</p>
      <ErrorAlert error={runners.error} onRetry={reload} />
      <UnisolatedRunnersAlert runners={list} />
      {runners.loading ? (
        <Loading label="Loading runners…" />
      ) : list.length === 0 && !runners.error ? (
        <EmptyState title="No runners registered">
          <p>
            Start one with <code>./agent-center up</code> (it starts a runner) or run <code>runner-service</code> on its own.
          </p>
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table className="table">
            <caption className="visually-hidden">Registered runners</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Status</th>
                <th scope="col">Capacity</th>
                <th scope="col">Active runs</th>
                <th scope="col">Last heartbeat</th>
                <th scope="col">Version</th>
                <th scope="col">Isolation</th>
              </tr>
            </thead>
            <tbody>
              {list.map((runner) => (
                <tr key={runner.id}>
                  <th scope="row">
                    <span className="mono">{runner.name}</span>
                    <div className="muted small">{runner.baseUrl}</div>
                  </th>
                  <td>
                    <StatusBadge status={runner.status} />
                  </td>
                  <td>{runner.capacity}</td>
                  <td>
                    <span className="usage">
                      {runner.activeRuns}
                      <meter min={0} max={Math.max(1, runner.capacity)} value={runner.activeRuns} aria-hidden="true" />
                    </span>
                  </td>
                  <td title={runner.lastHeartbeatAt ? formatAbsolute(runner.lastHeartbeatAt) : undefined}>
                    <RelativeTime iso={runner.lastHeartbeatAt} empty="never" />
                  </td>
                  <td className="mono">{runner.version ?? '—'}</td>
                  <td>
                    <IsolationBadge isolation={runner.isolation} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

