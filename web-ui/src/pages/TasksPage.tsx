import { useEffect, useState } from 'react';
import { Link } from 'wouter';
import { api } from '../api/api';
import { toApiError, type ApiError } from '../api/client';
import { TASK_STATUSES, type Task, type TaskStatus } from '../api/types';
import { useTaskChanges } from '../app/realtime';
import { useResource, useThrottled } from '../app/useResource';
import { useWorkspace } from '../app/workspace';
import { ErrorAlert } from '../components/ErrorAlert';
import { EmptyState, Loading } from '../components/States';
import { StatusBadge } from '../components/StatusBadge';
import { RelativeTime } from '../components/Time';
import { onBroadcast } from '../sync/broadcast';
import { NewTaskDialog } from './NewTaskDialog';

const PAGE = 100;

export function TasksPage() {
  const workspace = useWorkspace();
  const [status, setStatus] = useState<TaskStatus | ''>('');
  const [creating, setCreating] = useState(false);
  const tasks = useResource(`tasks:${workspace.id}:${status}`, () => api.tasks.list(workspace.id, status || null, PAGE));
  const repos = useResource(`repos:${workspace.id}`, async () => (await api.repoConnections.list(workspace.id)).items);
  const [older, setOlder] = useState<{ items: Task[]; cursor: string | null; error: ApiError | null; busy: boolean }>({
    items: [],
    cursor: null,
    error: null,
    busy: false,
  });
  const { reload } = tasks;
  const refresh = useThrottled(reload, 250);

  useTaskChanges(() => refresh());
  useEffect(
    () =>
      onBroadcast((message) => {
        if (message.type === 'tasks') refresh();
      }),
    [refresh],
  );
  useEffect(() => setOlder({ items: [], cursor: null, error: null, busy: false }), [workspace.id, status]);

  const first = tasks.data;
  const cursor = older.cursor ?? first?.nextCursor ?? null;
  const seen = new Set(first?.items.map((t) => t.id));
  const all = [...(first?.items ?? []), ...older.items.filter((t) => !seen.has(t.id))];
  const repoName = new Map(repos.data?.map((r) => [r.id, `${r.owner}/${r.repo}`]));

  async function loadOlder() {
    if (!cursor) return;
    setOlder((o) => ({ ...o, busy: true, error: null }));
    try {
      const page = await api.tasks.list(workspace.id, status || null, PAGE, cursor);
      setOlder((o) => ({ items: [...o.items, ...page.items], cursor: page.nextCursor, error: null, busy: false }));
    } catch (e) {
      setOlder((o) => ({ ...o, error: toApiError(e), busy: false }));
    }
  }

  return (
    <section className="page">
      <div className="page-head">
        <h1>Tasks</h1>
        <div className="toolbar">
          <label className="inline-field">
            Status
            <select value={status} onChange={(e) => setStatus(e.target.value as TaskStatus | '')}>
              <option value="">All</option>
              {TASK_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </label>
          <button type="button" className="btn btn-primary" onClick={() => setCreating(true)}>
            New task
          </button>
        </div>
      </div>
      <ErrorAlert error={tasks.error} onRetry={reload} />
      {tasks.loading ? (
        <Loading label="Loading tasks…" />
      ) : all.length === 0 && !tasks.error ? (
        status ? (
          <EmptyState title={`No ${status} tasks`}>
            <p>Choose “All” to see every task of {workspace.name}.</p>
          </EmptyState>
        ) : (
          <EmptyState title="No tasks yet">
            <p>A task is a prompt and/or shell commands, optionally against a repository. Each start is a run.</p>
            <button type="button" className="btn btn-primary" onClick={() => setCreating(true)}>
              Create the first task
            </button>
          </EmptyState>
        )
      ) : (
        <ul className="task-list" aria-busy={tasks.fetching}>
          {all.map((task) => (
            <li key={task.id} className="task-row" data-status={task.status}>
              <div className="task-main">
                <Link href={`/tasks/${task.id}`} className="task-title">
                  {task.title}
                </Link>
                <div className="task-meta muted small">
                  {task.repoConnectionId && <span>{repoName.get(task.repoConnectionId) ?? 'repository'}</span>}
                  {task.branchName && <span className="mono">{task.branchName}</span>}
                  {task.latestRun && <span>Run {task.latestRun.attempt}</span>}
                  {task.latestRun?.pullRequestUrl && (
                    <a href={task.latestRun.pullRequestUrl} target="_blank" rel="noreferrer">
                      {task.latestRun.pullRequestNumber ? `Pull request #${task.latestRun.pullRequestNumber}` : 'Pull request'}
                    </a>
                  )}
                  {task.automationId && <span>from an automation</span>}
                  {task.config?.agent && task.config.agent.provider !== 'none' && <span>{task.config.agent.provider}</span>}
                  <span>
                    updated <RelativeTime iso={task.updatedAt} />
                  </span>
                </div>
              </div>
              <StatusBadge status={task.status} />
            </li>
          ))}
        </ul>
      )}
      <ErrorAlert error={older.error} label="Older tasks" />
      {cursor && !tasks.loading && (
        <div className="list-more">
          <button type="button" className="btn" onClick={loadOlder} disabled={older.busy} aria-busy={older.busy}>
            Load older tasks
          </button>
        </div>
      )}
      <NewTaskDialog open={creating} onClose={() => setCreating(false)} />
    </section>
  );
}
