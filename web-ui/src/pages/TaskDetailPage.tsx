import { lazy, Suspense, useEffect, useRef, useState, type FormEvent } from 'react';
import { Link, useLocation, useSearch } from 'wouter';
import { api } from '../api/api';
import { localProblem, toApiError, type ApiError } from '../api/client';
import { isActiveRunStatus, type Run, type Task, type TaskStatus } from '../api/types';
import { flash } from '../app/flash';
import { useTaskChanges } from '../app/realtime';
import { useResource, useThrottled } from '../app/useResource';
import { ErrorAlert } from '../components/ErrorAlert';
import { Field } from '../components/Field';
import { EmptyState, Loading } from '../components/States';
import { StatusBadge } from '../components/StatusBadge';
import { describeWaiting } from '../run/waiting';
import { formatAbsolute, RelativeTime } from '../components/Time';
import { RunLog } from '../run/RunLog';
import { formatDuration } from '../run/timeline';
import { commandsText, parseCommands } from './taskForm';
import { useRunTimeline } from '../run/useRunTimeline';
import { broadcast, onBroadcast } from '../sync/broadcast';

const DiffPanel = lazy(() => import('../diff/DiffPanel'));

/** A task's status follows its latest run: the run's finer statuses all read `running`. */
function taskStatusOf(runStatus: string): TaskStatus {
  switch (runStatus) {
    case 'queued':
    case 'completed':
    case 'failed':
    case 'cancelled':
      return runStatus;
    default:
      return 'running';
  }
}

export default function TaskDetailPage({ taskId }: { taskId: string }) {
  const [, navigate] = useLocation();
  const search = useSearch();
  const requestedRun = new URLSearchParams(search).get('run');
  const task = useResource(`task:${taskId}`, () => api.tasks.get(taskId));
  const runs = useResource(`runs:${taskId}`, async () => (await api.tasks.runs(taskId)).items);
  const [actionError, setActionError] = useState<ApiError | null>(() => flash.take(taskId));
  const [busy, setBusy] = useState<null | 'start' | 'cancel' | 'follow-up'>(null);
  const [diffOpen, setDiffOpen] = useState(false);
  const diffButton = useRef<HTMLButtonElement>(null);
  const closeDiff = () => {
    setDiffOpen(false);
    diffButton.current?.focus();
  };
  const [followUp, setFollowUp] = useState('');
  const [followUpCommands, setFollowUpCommands] = useState('');

  const reloadTask = task.reload;
  const reloadRuns = runs.reload;
  const refresh = useThrottled(() => {
    reloadTask();
    reloadRuns();
  }, 200);
  useTaskChanges(() => refresh(), taskId);
  useEffect(
    () =>
      onBroadcast((message) => {
        if (message.type === 'tasks' && (!message.taskId || message.taskId === taskId)) refresh();
      }),
    [refresh, taskId],
  );

  // Runs newest first from the API; the navigation lists them in attempt order.
  const runList = runs.data ?? [];
  const latest: Run | undefined = runList[0];
  const selected: Run | undefined = (requestedRun && runList.find((r) => r.id === requestedRun)) || latest;
  const viewingLatest = selected !== undefined && selected.id === latest?.id;
  const { timeline, error: streamError, catchingUp } = useRunTimeline(selected?.id ?? null);

  // The live stream knows about status changes before the next fetch does.
  const selectedStatus = (selected && timeline.status) || selected?.status || null;
  const latestStatus = viewingLatest ? selectedStatus : (latest?.status ?? null);
  const latestActive = isActiveRunStatus(latestStatus);
  const t: Task | undefined = task.data;
  const displayStatus: TaskStatus | null = t
    ? latestStatus
      ? taskStatusOf(latestStatus)
      : t.latestRun
        ? t.status
        : 'pending'
    : null;

  // A run that just ended in the stream: fetch the task and runs (exit code, error, PR) without waiting.
  const lastSeenStatus = useRef(selectedStatus);
  useEffect(() => {
    if (lastSeenStatus.current !== selectedStatus && !isActiveRunStatus(selectedStatus)) refresh();
    lastSeenStatus.current = selectedStatus;
  }, [selectedStatus, refresh]);

  async function act(kind: 'start' | 'cancel', action: () => Promise<unknown>) {
    setBusy(kind);
    setActionError(null);
    try {
      await action();
      if (kind === 'start') navigate(`/tasks/${taskId}`, { replace: true });
      broadcast({ type: 'tasks', taskId });
      refresh();
    } catch (e) {
      setActionError(toApiError(e));
    } finally {
      setBusy(null);
    }
  }

  async function sendFollowUp(event: FormEvent) {
    event.preventDefault();
    if (!followUp.trim()) {
      setActionError(localProblem('Nothing to send', 'Write what should happen next in the follow-up box.'));
      return;
    }
    setBusy('follow-up');
    setActionError(null);
    try {
      const commands = parseCommands(followUpCommands);
      await api.tasks.followUp(taskId, followUp.trim(), commands.length > 0 ? commands : undefined);
      setFollowUp('');
      setFollowUpCommands('');
      navigate(`/tasks/${taskId}`, { replace: true });
      broadcast({ type: 'tasks', taskId });
      refresh();
    } catch (e) {
      setActionError(toApiError(e));
    } finally {
      setBusy(null);
    }
  }

  if (task.loading) return <Loading label="Loading task…" />;
  if (!t) {
    return (
      <section className="page">
        <p>
          <Link href="/tasks">← Back to list</Link>
        </p>
        <h1>Task not available</h1>
        <ErrorAlert error={task.error} onRetry={reloadTask} />
      </section>
    );
  }

  const pullRequest = timeline.pullRequest ?? (selected?.pullRequestUrl ? { url: selected.pullRequestUrl, number: selected.pullRequestNumber ?? null } : null);
  const ascending = [...runList].sort((a, b) => a.attempt - b.attempt);
  const runEnded = selectedStatus !== null && !isActiveRunStatus(selectedStatus);
  const agent = t.config?.agent && t.config.agent.provider !== 'none' ? t.config.agent : null;

  return (
    <section className={`task-page${diffOpen ? ' with-diff' : ''}`}>
      <div className="task-content">
        <header className="task-head">
          <p className="crumb">
            <Link href="/tasks">← Back to list</Link>
          </p>
          <div className="task-title-row">
            <h1>{t.title}</h1>
            {displayStatus && <StatusBadge status={displayStatus} testId="task-status" />}
          </div>
          <div className="task-actions toolbar">
            {!latest && !t.latestRun && !runs.loading && (
              <button type="button" className="btn btn-primary" disabled={busy !== null} aria-busy={busy === 'start'} onClick={() => act('start', () => api.runs.start(taskId))}>
                Start
              </button>
            )}
            {latest && !latestActive && (
              <button type="button" className="btn" disabled={busy !== null} aria-busy={busy === 'start'} onClick={() => act('start', () => api.runs.start(taskId))}>
                Retry
              </button>
            )}
            {latest && latestActive && (
              <button type="button" className="btn btn-danger" disabled={busy !== null || latest.cancelRequestedAt !== null} aria-busy={busy === 'cancel'} onClick={() => act('cancel', () => api.tasks.cancel(taskId))}>
                Cancel
              </button>
            )}
            {selected && (
              <button ref={diffButton} type="button" className="btn" aria-expanded={diffOpen} aria-controls="diff-panel" onClick={() => setDiffOpen((o) => !o)}>
                Diff
              </button>
            )}
            {pullRequest && (
              <a className="btn btn-link" href={pullRequest.url} target="_blank" rel="noreferrer">
                {pullRequest.number === null ? 'Pull request' : `Pull request #${pullRequest.number}`}
              </a>
            )}
          </div>
          <dl className="task-facts">
            {t.repoConnectionId && (
              <div>
                <dt>Branch</dt>
                <dd className="mono">
                  {t.branchName ?? '(default)'} {t.baseBranch && <span className="muted">from {t.baseBranch}</span>}
                </dd>
              </div>
            )}
            <div>
              <dt>Permission</dt>
              <dd>{t.permissionMode}</dd>
            </div>
            {agent && (
              <div>
                <dt>Agent</dt>
                <dd>
                  {agent.provider}
                  {agent.model ? ` · ${agent.model}` : ''}
                </dd>
              </div>
            )}
            <div>
              <dt>Commands</dt>
              <dd>{t.config?.commands?.length ?? 0}</dd>
            </div>
            <div>
              <dt>Created</dt>
              <dd>
                <RelativeTime iso={t.createdAt} />
              </dd>
            </div>
          </dl>
        </header>

        <ErrorAlert error={actionError} />
        <ErrorAlert error={runs.error} label="Runs" onRetry={reloadRuns} />

        {runList.length > 0 && (
          <nav aria-label="Runs" className="runs-nav">
            {ascending.map((run) => (
              <Link
                key={run.id}
                href={`/tasks/${taskId}?run=${run.id}`}
                className="run-tab"
                aria-current={run.id === selected?.id ? 'page' : undefined}
                data-status={run.id === selected?.id ? (selectedStatus ?? run.status) : run.status}
              >
                Run {run.attempt}
              </Link>
            ))}
          </nav>
        )}

        {runs.loading ? (
          <Loading label="Loading runs…" />
        ) : !selected ? (
          <EmptyState title="Not started yet">
            <p>Creating a task does not run it. Press Start to queue its first run.</p>
          </EmptyState>
        ) : (
          <div className="run-view">
            <RunSummary run={selected} status={selectedStatus ?? selected.status} taskPrompt={t.prompt} />
            {streamError && (
              <p className="alert alert-error" role="alert">
                Live output unavailable: {streamError}
              </p>
            )}
            <RunLog
              key={selected.id}
              items={timeline.items}
              runEnded={runEnded}
              emptyText={catchingUp ? 'Loading output…' : runEnded ? 'This run produced no events.' : 'Waiting for the run to start…'}
            />
          </div>
        )}

        <form className="follow-up" onSubmit={sendFollowUp} aria-busy={busy === 'follow-up'} noValidate>
          <Field
            label="Follow-up"
            hint={
              latestActive
                ? 'A follow-up can be sent when the current run ends (or after you cancel it).'
                : 'Queues the next run in the same workspace (and agent session) with this prompt.'
            }
          >
            <textarea
              value={followUp}
              rows={2}
              onChange={(e) => setFollowUp(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === 'Enter' && (e.metaKey || e.ctrlKey)) {
                  e.preventDefault();
                  e.currentTarget.form?.requestSubmit();
                }
              }}
              placeholder="Ask for follow-up changes (Ctrl+Enter sends)"
            />
          </Field>
          <details className="follow-up-commands" open={followUpCommands !== '' || undefined}>
            <summary>Other commands for this run</summary>
            <Field label="Commands for this run" hint="One per line, instead of the task's commands, for this run only.">
              <textarea
                className="mono"
                value={followUpCommands}
                rows={2}
                onChange={(e) => setFollowUpCommands(e.target.value)}
                placeholder={commandsText(t?.config?.commands) || 'npm test'}
              />
            </Field>
          </details>
          <button type="submit" className="btn btn-primary" disabled={busy !== null || latestActive || !t}>
            Send follow-up
          </button>
        </form>
      </div>
      {diffOpen && selected && (
        <div id="diff-panel" className="diff-dock">
          <Suspense fallback={<Loading label="Loading diff viewer…" />}>
            <DiffPanel key={selected.id} runId={selected.id} runActive={!runEnded} onClose={closeDiff} />
          </Suspense>
        </div>
      )}
    </section>
  );
}

function RunSummary({ run, status, taskPrompt }: { run: Run; status: string; taskPrompt: string | null }) {
  const prompt = run.prompt ?? taskPrompt;
  const duration =
    run.startedAt && run.finishedAt ? new Date(run.finishedAt).getTime() - new Date(run.startedAt).getTime() : null;
  return (
    <div className="run-summary">
      <div className="run-summary-line">
        <strong>Run {run.attempt}</strong>
        <StatusBadge status={status} />
        {run.source && run.source !== 'api' && <span className="muted small">{run.source.replace('_', '-')}</span>}
        {run.startedAt && (
          <span className="muted small" title={formatAbsolute(run.startedAt)}>
            started <RelativeTime iso={run.startedAt} />
          </span>
        )}
        {duration !== null && <span className="muted small">took {formatDuration(duration)}</span>}
        {run.branchName && <span className="mono small">{run.branchName}</span>}
        {status === 'queued' && run.waitingFor && (
          <span className="muted small" data-testid="run-waiting">
            {describeWaiting(run.waitingFor, new Map())}
          </span>
        )}
      </div>
      {prompt && (
        <blockquote className="run-prompt">
          <span className="visually-hidden">Prompt: </span>
          {prompt}
        </blockquote>
      )}
      {run.errorMessage && (
        <p className="run-error">
          {run.errorCode && <code>{run.errorCode}</code>} {run.errorMessage}
        </p>
      )}
    </div>
  );
}
