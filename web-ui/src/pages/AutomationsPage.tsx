import { useEffect, useState } from 'react';
import { Link } from 'wouter';
import { api } from '../api/api';
import type { Automation } from '../api/types';
import { useTaskChanges } from '../app/realtime';
import { useResource, useThrottled } from '../app/useResource';
import { useWorkspace } from '../app/workspace';
import { Dialog } from '../components/Dialog';
import { ErrorAlert } from '../components/ErrorAlert';
import { EmptyState, Loading } from '../components/States';
import { RelativeTime } from '../components/Time';
import { onBroadcast } from '../sync/broadcast';
import { AutomationForm, describeCron } from './AutomationForm';
import { OutcomeMessage, useAutomationActions } from './automationActions';

export default function AutomationsPage() {
  const workspace = useWorkspace();
  const automations = useResource(`automations:${workspace.id}`, async () => (await api.automations.list(workspace.id)).items);
  const { reload } = automations;
  const refresh = useThrottled(reload, 300);
  const [editing, setEditing] = useState<Automation | 'new' | null>(null);
  const actions = useAutomationActions(reload);

  // A fire updates lastRunAt/nextRunAt and creates a task: the task feed is the signal.
  useTaskChanges(() => refresh());
  useEffect(
    () =>
      onBroadcast((message) => {
        if (message.type === 'automations') refresh();
      }),
    [refresh],
  );

  const list = automations.data ?? [];
  return (
    <section className="page">
      <div className="page-head">
        <h1>Automations</h1>
        <div className="toolbar">
          <button type="button" className="btn btn-primary" onClick={() => setEditing('new')}>
            New automation
          </button>
        </div>
      </div>
      <p className="muted lead">Create a task and start its run on a cron schedule (5 fields, in the automation’s timezone).</p>
      <ErrorAlert error={automations.error} onRetry={reload} />
      <ErrorAlert error={actions.error} />
      <OutcomeMessage outcome={actions.outcome} />
      {automations.loading ? (
        <Loading label="Loading automations…" />
      ) : list.length === 0 && !automations.error ? (
        <EmptyState title="No automations yet">
          <p>For example: run the test suite every weekday at 9:00, or ask an agent for a dependency update each night.</p>
          <button type="button" className="btn btn-primary" onClick={() => setEditing('new')}>
            Create the first automation
          </button>
        </EmptyState>
      ) : (
        <ul className="card-list" aria-busy={automations.fetching}>
          {list.map((a) => (
            <li key={a.id} className="card automation" data-enabled={a.enabled}>
              <div className="automation-head">
                <Link href={`/automations/${a.id}`} className="automation-name">
                  {a.name}
                </Link>
                <span className={`badge ${a.enabled ? 'badge-ok' : 'badge-muted'}`}>{a.enabled ? 'enabled' : 'disabled'}</span>
              </div>
              <p className="automation-schedule">
                <code>{a.cronExpression}</code> <span>{describeCron(a.cronExpression).text}</span>{' '}
                <span className="muted">({a.timezone})</span>
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
                  <dd>{a.enabled ? <RelativeTime iso={a.nextRunAt} empty="not scheduled" /> : <span className="muted">disabled</span>}</dd>
                </div>
                <div>
                  <dt>Creates</dt>
                  <dd>{a.taskTemplateTitle}</dd>
                </div>
              </dl>
              <div className="toolbar">
                <button type="button" className="btn btn-small" onClick={() => actions.trigger(a)} disabled={actions.busy !== null} aria-busy={actions.busy === `trigger:${a.id}`}>
                  Trigger now
                </button>
                <button type="button" className="btn btn-small" onClick={() => actions.toggle(a)} disabled={actions.busy !== null} aria-busy={actions.busy === `toggle:${a.id}`}>
                  {a.enabled ? 'Disable' : 'Enable'}
                </button>
                <button type="button" className="btn btn-small" onClick={() => setEditing(a)}>
                  Edit
                </button>
                <button type="button" className="btn btn-small btn-danger" onClick={() => actions.remove(a)} disabled={actions.busy !== null} aria-busy={actions.busy === `delete:${a.id}`}>
                  Delete
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
      <Dialog title={editing === 'new' ? 'New automation' : 'Edit automation'} open={editing !== null} onClose={() => setEditing(null)} wide>
        <AutomationForm
          automation={editing === 'new' || editing === null ? undefined : editing}
          onCancel={() => setEditing(null)}
          onDone={() => {
            setEditing(null);
            reload();
          }}
        />
      </Dialog>
    </section>
  );
}
