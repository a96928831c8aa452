import { type FormEvent, useRef, useState } from 'react';
import { useLocation } from 'wouter';
import { api } from '../api/api';
import { toApiError, type ApiError } from '../api/client';
import type { AgentProvider, PermissionMode, RepoConnection } from '../api/types';
import { flash } from '../app/flash';
import { useResource } from '../app/useResource';
import { useWorkspace } from '../app/workspace';
import { Dialog } from '../components/Dialog';
import { useFocusError } from '../app/useFocusError';
import { ErrorAlert } from '../components/ErrorAlert';
import { Field, fieldError } from '../components/Field';
import { broadcast } from '../sync/broadcast';
import { ExecutionFields } from './ExecutionFields';
import { blank, buildConfig, buildPolicy } from './taskForm';

export function NewTaskDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  return (
    <Dialog title="New task" open={open} onClose={onClose} wide>
      <NewTaskForm onClose={onClose} />
    </Dialog>
  );
}

function NewTaskForm({ onClose }: { onClose: () => void }) {
  const workspace = useWorkspace();
  const [, navigate] = useLocation();
  const repos = useResource(`repos:${workspace.id}`, async () => (await api.repoConnections.list(workspace.id)).items);
  const [title, setTitle] = useState('');
  const [prompt, setPrompt] = useState('');
  const [commands, setCommands] = useState('');
  const [repoId, setRepoId] = useState('');
  const [baseBranch, setBaseBranch] = useState('');
  const [branchName, setBranchName] = useState('');
  const [mode, setMode] = useState<PermissionMode>('safe');
  const [blocked, setBlocked] = useState('');
  const [agent, setAgent] = useState<AgentProvider>('none');
  const [model, setModel] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const formRef = useRef<HTMLFormElement>(null);
  useFocusError(formRef, error);
  const [busy, setBusy] = useState(false);
  const repo: RepoConnection | undefined = repos.data?.find((r) => r.id === repoId);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const start = (event.nativeEvent as SubmitEvent).submitter?.getAttribute('value') === 'start';
    setBusy(true);
    setError(null);
    try {
      const task = await api.tasks.create({
        workspaceId: workspace.id,
        title: title.trim(),
        prompt: blank(prompt) ?? null,
        repoConnectionId: repo?.id ?? null,
        projectId: repo?.projectId ?? null,
        baseBranch: blank(baseBranch),
        branchName: blank(branchName),
        permissionMode: mode,
        policy: buildPolicy(mode, blocked),
        config: buildConfig(commands, agent, model),
      });
      if (start) {
        try {
          await api.runs.start(task.id);
        } catch (e) {
          flash.set(task.id, toApiError(e));
        }
      }
      broadcast({ type: 'tasks', taskId: task.id });
      onClose();
      navigate(`/tasks/${task.id}`);
    } catch (e) {
      setError(toApiError(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form ref={formRef} className="form" onSubmit={submit} aria-busy={busy} noValidate>
      <ErrorAlert error={error} />
      <Field label="Title" error={fieldError(error, 'title')}>
        <input value={title} onChange={(e) => setTitle(e.target.value)} required maxLength={500} autoFocus />
      </Field>
      <Field label="Prompt" hint="What the agent should do (used when an agent is chosen)." error={fieldError(error, 'prompt')}>
        <textarea value={prompt} onChange={(e) => setPrompt(e.target.value)} rows={4} />
      </Field>
      <Field
        label="Commands"
        hint="One shell command per line, run in order in the workspace; a failing command stops the run."
        error={fieldError(error, 'config.commands', 'config')}
      >
        <textarea
          className="mono"
          value={commands}
          onChange={(e) => setCommands(e.target.value)}
          rows={4}
          spellCheck={false}
          placeholder={'npm ci\nnpm test'}
        />
      </Field>
      <div className="form-row">
        <Field
          label="Repository"
          hint={repos.error ? `Cannot list repositories: ${repos.error.title}` : repos.data?.length === 0 ? 'No repositories connected yet (see Repositories).' : undefined}
          error={fieldError(error, 'repoConnectionId', 'projectId')}
        >
          <select value={repoId} onChange={(e) => setRepoId(e.target.value)} aria-busy={repos.loading}>
            <option value="">None</option>
            {repos.data?.map((r) => (
              <option key={r.id} value={r.id}>
                {r.owner}/{r.repo}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Base branch" error={fieldError(error, 'baseBranch')}>
          <input value={baseBranch} onChange={(e) => setBaseBranch(e.target.value)} placeholder={repo?.defaultBranch ?? 'main'} spellCheck={false} />
        </Field>
        <Field label="Branch" hint="Created from the base branch." error={fieldError(error, 'branchName')}>
          <input value={branchName} onChange={(e) => setBranchName(e.target.value)} placeholder="agent/my-change" spellCheck={false} />
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
        <button type="button" className="btn" onClick={onClose}>
          Cancel
        </button>
        <button type="submit" className="btn" value="create" disabled={busy}>
          Create task
        </button>
        <button type="submit" className="btn btn-primary" value="start" disabled={busy}>
          Create and start
        </button>
      </div>
    </form>
  );
}
