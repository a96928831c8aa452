import { useEffect, useState } from 'react';
import { Link, useLocation } from 'wouter';
import { api } from '../api/api';
import { useTaskChanges } from '../app/realtime';
import { useResource, useThrottled } from '../app/useResource';
import { useWorkspace } from '../app/workspace';
import { ErrorAlert } from '../components/ErrorAlert';
import { EmptyState, Loading } from '../components/States';
import { StatusBadge } from '../components/StatusBadge';
import { formatAbsolute, formatInZone, RelativeTime } from '../components/Time';
import { onBroadcast } from '../sync/broadcast';
import { AutomationForm, describeCron } from './AutomationForm';
import { OutcomeMessage, useAutomationActions } from './automationActions';
import { commandsText } from './taskForm';

export default function AutomationDetailPage({ automationId }: { automationId: string }) {
  const workspace = useWorkspace();
  const [, navigate] = useLocation();
  const automation = useResource(`automation:${automationId}`, () => api.automations.get(automationId));
  const schedule = useResource(`schedule:${automationId}:${automation.data?.updatedAt ?? ''}`, () => api.automations.schedule(automationId, 5));
  // The API has no filter by automation: the newest tasks of the workspace, narrowed here.
  const tasks = useResource(`automation-tasks:${automationId}`, async () =>
    (await api.tasks.list(workspace.id, null, 200)).items.filter((t) => t.automationId === automationId),
  );
  const [editing, setEditing] = useState(false);
  const reloadAll = () => {
    automation.reload();
    tasks.reload();
  };
  const refresh = useThrottled(reloadAll, 300);
  const actions = useAutomationActions(reloadAll);
  useTaskChanges(() => refresh());
  useEffect(
    () =>
      onBroadcast((message) => {
        if (message.type === 'automations' || message.type === 'tasks') refresh();
      }),
    [refresh],
  );

  const a = automation.data;
  if (automation.loading) return <Loading label="Loading automation…" />;
  if (!a) {
    return (
      <section className="page">
        <p className="crumb">
          <Link href="/automations">← Back to list</Link>
        </p>
        <h1>Automation not available</h1>
        <ErrorAlert error={automation.error} onRetry={automation.reload} />
        <OutcomeMessage outcome={actions.outcome} />
      </section>
    );
  }

  return (
    <section className="page">
      <p className="crumb">
        <Link href="/automations">← Back to list</Link>
      </p>
      <div className="page-head">
        <h1>{a.name}</h1>
        <span className={`badge ${a.enabled ? 'badge-ok' : 'badge-muted'}`}>{a.enabled ? 'enabled' : 'disabled'}</span>
      </div>
      <ErrorAlert error={actions.error} />
      <OutcomeMessage outcome={actions.outcome} />
      <div className="toolbar">
        <button type="button" className="btn" onClick={() => actions.trigger(a)} disabled={actions.busy !== null}>
          Trigger now
        </button>
        <button type="button" className="btn" onClick={() => actions.toggle(a)} disabled={actions.busy !== null}>
          {a.enabled ? 'Disable' : 'Enable'}
        </button>
        <button type="button" className="btn" onClick={() => setEditing((e) => !e)} aria-expanded={editing}>
          Edit
        </button>
        <button type="button" className="btn btn-danger" onClick={() => actions.remove(a, () => navigate('/automations'))} disabled={actions.busy !== null}>
          Delete
        </button>
      </div>
      {editing ? (
        <div className="card">
          <h2>Edit automation</h2>
          <AutomationForm
            automation={a}
            onCancel={() => setEditing(false)}
            onDone={() => {
              setEditing(false);
              reloadAll();
            }}
          />
        </div>
      ) : (
        <div className="grid-2">
          <div className="card">
            <h2>Schedule</h2>
            <p>
              <code>{a.cronExpression}</code> — {describeCron(a.cronExpression).text} ({a.timezone})
            </p>
            <dl className="facts">
              <div>
                <dt>Last run</dt>
                <dd>
                  <RelativeTime iso={a.lastRunAt} empty="never" />
                </dd>
              </div>
              <div>
                <dt>Next run</dt>
                <dd>{a.enabled ? <RelativeTime iso={a.nextRunAt} empty="not scheduled" /> : 'disabled'}</dd>
              </div>
            </dl>
            <ErrorAlert error={schedule.error} label="Schedule" />
            {a.enabled && schedule.data && (
              <>
                <h3>Next fire times</h3>
                <ul>
                  {schedule.data.nextFireTimes.map((time) => (
                    <li key={time}>
                      <time dateTime={time} title={formatAbsolute(time)}>{formatInZone(time, a.timezone)}</time>
                    </li>
                  ))}
                </ul>
              </>
            )}
          </div>
          <div className="card">
            <h2>Task it creates</h2>
            <dl className="facts facts-stacked">
              <div>
                <dt>Title</dt>
                <dd>{a.taskTemplateTitle}</dd>
              </div>
              {a.taskTemplatePrompt && (
                <div>
                  <dt>Prompt</dt>
                  <dd className="prewrap">{a.taskTemplatePrompt}</dd>
                </div>
              )}
              {(a.config?.commands?.length ?? 0) > 0 && (
                <div>
                  <dt>Commands</dt>
                  <dd>
                    <pre className="mono">{commandsText(a.config?.commands)}</pre>
                  </dd>
                </div>
              )}
              <div>
                <dt>Permission mode</dt>
                <dd>{a.permissionMode}</dd>
              </div>
              {a.branchPrefix && (
                <div>
                  <dt>Branch prefix</dt>
                  <dd className="mono">{a.branchPrefix}</dd>
                </div>
              )}
            </dl>
          </div>
        </div>
      )}
      <h2>Recent tasks from this automation</h2>
      <ErrorAlert error={tasks.error} onRetry={tasks.reload} />
      {tasks.loading ? (
        <Loading label="Loading tasks…" />
      ) : (tasks.data ?? []).length === 0 ? (
        <EmptyState title="No runs yet">
          <p>Tasks appear here when the schedule fires or when you press Trigger now.</p>
        </EmptyState>
      ) : (
        <ul className="task-list">
          {tasks.data!.map((t) => (
            <li key={t.id} className="task-row">
              <div className="task-main">
                <Link href={`/tasks/${t.id}`} className="task-title">
                  {t.title}
                </Link>
                <div className="muted small">
                  created <RelativeTime iso={t.createdAt} />
                  {t.branchName && <span className="mono"> · {t.branchName}</span>}
                </div>
              </div>
              <StatusBadge status={t.status} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
