import { Link } from 'wouter';
import { api } from '../api/api';
import type { Run } from '../api/types';
import { useTaskChanges } from '../app/realtime';
import { usePollWhileVisible, useResource, useThrottled } from '../app/useResource';
import { useWorkspace } from '../app/workspace';
import { ErrorAlert } from '../components/ErrorAlert';
import { EmptyState, Loading } from '../components/States';
import { RelativeTime } from '../components/Time';
import { describeWaiting } from '../run/waiting';

/** The worker records reasons after each claim round; the page follows task changes and polls as a fallback. */
const REFRESH_MS = 5_000;

export default function QueuePage() {
  const workspace = useWorkspace();
  const queue = useResource(`queue:${workspace.id}`, async () => (await api.runs.queue(workspace.id)).items);
  const runners = useResource('runners', async () => (await api.runners.list()).items);
  const { reload } = queue;
  const refresh = useThrottled(reload, 1000);
  useTaskChanges(() => refresh());
  usePollWhileVisible(reload, REFRESH_MS);
  const names = new Map((runners.data ?? []).map((r) => [r.id, r.name]));
  const list: Run[] = queue.data ?? [];

  return (
    <section className="page">
      <div className="page-head">
        <h1>Queue</h1>
        <div className="toolbar">
          <button type="button" className="btn" onClick={reload} disabled={queue.fetching} aria-busy={queue.fetching}>
            Refresh
          </button>
        </div>
      </div>
      <p className="muted lead">Queued runs of this workspace in the order workers take them, with what each waits for.</p>
      <ErrorAlert error={queue.error} onRetry={reload} />
      {queue.loading ? (
        <Loading label="Loading the queue…" />
      ) : list.length === 0 && !queue.error ? (
        <EmptyState title="Nothing queued">
          <p>Every run of this workspace is running or done.</p>
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table className="table" data-testid="queue">
            <caption className="visually-hidden">Queued runs in order</caption>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Run</th>
                <th scope="col">Queued</th>
                <th scope="col">Waiting for</th>
              </tr>
            </thead>
            <tbody>
              {list.map((run, index) => (
                <tr key={run.id} data-run-id={run.id}>
                  <td>{index + 1}</td>
                  <th scope="row">
                    <Link href={`/tasks/${run.taskId}`}>
                      Attempt {run.attempt} <span className="muted small mono">{run.id.slice(0, 8)}</span>
                    </Link>
                  </th>
                  <td>
                    <RelativeTime iso={run.queuedAt} />
                  </td>
                  <td data-waiting-for={run.waitingFor ?? ''}>{describeWaiting(run.waitingFor, names)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
