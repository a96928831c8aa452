import cronstrue from 'cronstrue';
import { type FormEvent, useEffect, useId, useMemo, useRef, useState } from 'react';
import { api } from '../api/api';
import { toApiError, type ApiError } from '../api/client';
import type { AgentProvider, Automation, AutomationSchedule, PermissionMode } from '../api/types';
import { useResource } from '../app/useResource';
import { useWorkspace } from '../app/workspace';
import { useFocusError } from '../app/useFocusError';
import { ErrorAlert } from '../components/ErrorAlert';
import { Field, fieldError } from '../components/Field';
import { formatAbsolute, formatInZone } from '../components/Time';
import { broadcast } from '../sync/broadcast';
import { ExecutionFields } from './ExecutionFields';
import { blank, buildConfig, buildPolicy, commandsText } from './taskForm';

/** The cron expression in words (cronstrue), or why it cannot be read. */
export function describeCron(expression: string): { text: string; ok: boolean } {
  const trimmed = expression.trim();
  if (!trimmed) return { text: 'Five fields: minute hour day-of-month month day-of-week, e.g. 0 9 * * 1-5', ok: false };
  if (trimmed.split(/\s+/).length !== 5) return { text: 'A cron expression here has exactly five fields.', ok: false };
  try {
    return { text: cronstrue.toString(trimmed, { use24HourTimeFormat: true, verbose: false }), ok: true };
  } catch (e) {
    return { text: String(e).replace(/^Error: /, ''), ok: false };
  }
}

const TIMEZONES: string[] = (() => {
  try {
    return (Intl as unknown as { supportedValuesOf?: (key: string) => string[] }).supportedValuesOf?.('timeZone') ?? [];
  } catch {
    return [];
  }
})();

/** Next fire times from the server (the source of truth: it is what the worker will use), as you type. */
function useSchedulePreview(cron: string, timezone: string) {
  const [state, setState] = useState<{ schedule: AutomationSchedule | null; error: ApiError | null; busy: boolean }>({
    schedule: null,
    error: null,
    busy: false,
  });
  useEffect(() => {
    const expression = cron.trim();
    if (!expression) {
      setState({ schedule: null, error: null, busy: false });
      return;
    }
    let cancelled = false;
    setState((s) => ({ ...s, busy: true }));
    const timer = setTimeout(() => {
      api.automations.preview(expression, timezone.trim() || 'UTC', 5).then(
        (schedule) => !cancelled && setState({ schedule, error: null, busy: false }),
        (e: unknown) => !cancelled && setState({ schedule: null, error: toApiError(e), busy: false }),
      );
    }, 300);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [cron, timezone]);
  return state;
}

export function AutomationForm({
  automation,
  onDone,
  onCancel,
}: {
  automation?: Automation;
  onDone: (automation: Automation) => void;
  onCancel: () => void;
}) {
  const workspace = useWorkspace();
  const repos = useResource(`repos:${workspace.id}`, async () => (await api.repoConnections.list(workspace.id)).items);
  const [name, setName] = useState(automation?.name ?? '');
  const [cron, setCron] = useState(automation?.cronExpression ?? '0 9 * * 1-5');
  const [timezone, setTimezone] = useState(automation?.timezone ?? 'UTC');
  const [title, setTitle] = useState(automation?.taskTemplateTitle ?? '');
  const [prompt, setPrompt] = useState(automation?.taskTemplatePrompt ?? '');
  const [commands, setCommands] = useState(commandsText(automation?.config?.commands));
  const [repoId, setRepoId] = useState(automation?.repoConnectionId ?? '');
  const [branchPrefix, setBranchPrefix] = useState(automation?.branchPrefix ?? '');
  const [mode, setMode] = useState<PermissionMode>(automation?.permissionMode ?? 'safe');
  const [blocked, setBlocked] = useState((automation?.policy?.blockedCommands ?? []).join('\n'));
  const [agent, setAgent] = useState<AgentProvider>(automation?.config?.agent?.provider ?? 'none');
  const [model, setModel] = useState(automation?.config?.agent?.model ?? '');
  const [error, setError] = useState<ApiError | null>(null);
  const formRef = useRef<HTMLFormElement>(null);
  useFocusError(formRef, error);
  const [busy, setBusy] = useState(false);
  const zonesId = useId();
  const description = useMemo(() => describeCron(cron), [cron]);
  const preview = useSchedulePreview(cron, timezone);
  const repo = repos.data?.find((r) => r.id === repoId);
  const previewCronError = preview.error ? (fieldError(preview.error, 'cronExpression') ?? preview.error.detail ?? preview.error.title) : undefined;
  const previewZoneError = preview.error ? fieldError(preview.error, 'timezone') : undefined;

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const body = {
      name: name.trim(),
      cronExpression: cron.trim(),
      timezone: timezone.trim() || 'UTC',
      taskTemplateTitle: title.trim(),
      taskTemplatePrompt: prompt.trim() ? prompt : null,
      repoConnectionId: repo?.id ?? null,
      projectId: repo?.projectId ?? null,
      permissionMode: mode,
      policy: buildPolicy(mode, blocked) ?? { blockedCommands: [] },
      config: buildConfig(commands, agent, model),
    };
    try {
      const saved = automation
        ? await api.automations.update(automation.id, {
            ...body,
            repoConnectionId: body.repoConnectionId ?? undefined,
            projectId: body.projectId ?? undefined,
            taskTemplatePrompt: body.taskTemplatePrompt ?? '',
            branchPrefix: branchPrefix.trim(),
          })
        : await api.automations.create({ ...body, workspaceId: workspace.id, branchPrefix: blank(branchPrefix) });
      broadcast({ type: 'automations' });
      onDone(saved);
    } catch (e) {
      setError(toApiError(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form ref={formRef} className="form" onSubmit={submit} aria-busy={busy} noValidate>
      <ErrorAlert error={error} />
      <Field label="Name" error={fieldError(error, 'name')}>
        <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} autoFocus />
      </Field>
      <div className="form-row">
        <Field
          label="Cron"
          className="field-grow"
          error={fieldError(error, 'cronExpression') ?? previewCronError}
          hint={
            <div className="cron-help" aria-live="polite">
              <p className={description.ok ? 'cron-description' : 'muted'}>{description.text}</p>
              {preview.schedule && preview.schedule.nextFireTimes.length > 0 && (
                <div className="cron-next">
                  Next runs ({preview.schedule.timezone}):
                  <ul>
                    {preview.schedule.nextFireTimes.map((time) => (
                      <li key={time}>
                        <time dateTime={time} title={formatAbsolute(time)}>{formatInZone(time, preview.schedule!.timezone)}</time>
                      </li>
                    ))}
                  </ul>
                </div>
              )}
            </div>
          }
        >
          <input className="mono" value={cron} onChange={(e) => setCron(e.target.value)} required spellCheck={false} placeholder="0 9 * * 1-5" />
        </Field>
        <Field label="Timezone" error={fieldError(error, 'timezone') ?? previewZoneError}>
          <input value={timezone} onChange={(e) => setTimezone(e.target.value)} list={zonesId} spellCheck={false} />
        </Field>
        <datalist id={zonesId}>
          {TIMEZONES.map((z) => (
            <option key={z} value={z} />
          ))}
        </datalist>
      </div>
      <Field label="Task title" hint="Each fire creates a task with this title." error={fieldError(error, 'taskTemplateTitle')}>
        <input value={title} onChange={(e) => setTitle(e.target.value)} required maxLength={500} />
      </Field>
      <Field label="Task prompt" error={fieldError(error, 'taskTemplatePrompt')}>
        <textarea value={prompt} onChange={(e) => setPrompt(e.target.value)} rows={3} />
      </Field>
      <Field label="Commands" hint="One shell command per line." error={fieldError(error, 'config.commands', 'config')}>
        <textarea className="mono" value={commands} onChange={(e) => setCommands(e.target.value)} rows={3} spellCheck={false} />
      </Field>
      <div className="form-row">
        <Field label="Repository" error={fieldError(error, 'repoConnectionId', 'projectId')}>
          <select value={repoId} onChange={(e) => setRepoId(e.target.value)}>
            <option value="">None</option>
            {repos.data?.map((r) => (
              <option key={r.id} value={r.id}>
                {r.owner}/{r.repo}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Branch prefix" hint="Each run gets the branch <prefix>/<timestamp>." error={fieldError(error, 'branchPrefix')}>
          <input value={branchPrefix} onChange={(e) => setBranchPrefix(e.target.value)} spellCheck={false} placeholder="nightly" />
        </Field>
      </div>
      <ExecutionFields
        mode={mode}
        onMode={setMode}
        blocked={blocked}
        onBlocked={setBlocked}
        agent={agent}
        onAgent={setAgent}
        model={model}
        onModel={setModel}
        error={error}
      />
      <div className="form-actions">
        <button type="button" className="btn" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {automation ? 'Save automation' : 'Create automation'}
        </button>
      </div>
    </form>
  );
}
