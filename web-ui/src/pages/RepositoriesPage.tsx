import { type FormEvent, useEffect, useRef, useState } from 'react';
import { api } from '../api/api';
import { toApiError, type ApiError } from '../api/client';
import type { RepoConnection, RepoConnectionTestResult } from '../api/types';
import { useResource } from '../app/useResource';
import { useWorkspace } from '../app/workspace';
import { useFocusError } from '../app/useFocusError';
import { ErrorAlert } from '../components/ErrorAlert';
import { Field, fieldError } from '../components/Field';
import { EmptyState, Loading } from '../components/States';
import { RelativeTime } from '../components/Time';
import { broadcast, onBroadcast } from '../sync/broadcast';
import { GitHubWebhookPanel } from './GitHubWebhookPanel';

export default function RepositoriesPage() {
  const workspace = useWorkspace();
  const repos = useResource(`repos:${workspace.id}`, async () => (await api.repoConnections.list(workspace.id)).items);
  const { reload } = repos;
  const [adding, setAdding] = useState(false);
  useEffect(
    () =>
      onBroadcast((message) => {
        if (message.type === 'repositories') reload();
      }),
    [reload],
  );

  return (
    <section className="page">
      <div className="page-head">
        <h1>Repositories</h1>
        <div className="toolbar">
          {!adding && (
            <button type="button" className="btn btn-primary" onClick={() => setAdding(true)}>
              Add repository
            </button>
          )}
        </div>
      </div>
      <p className="muted lead">
        GitHub repositories that tasks can clone, commit to and open pull requests on. A token is stored encrypted and
        never shown again; without one, the server’s own GitHub token (if any) is used.
      </p>
      {adding && (
        <AddRepository
          onCancel={() => setAdding(false)}
          onAdded={() => {
            setAdding(false);
            reload();
            broadcast({ type: 'repositories' });
          }}
        />
      )}
      <ErrorAlert error={repos.error} onRetry={reload} />
      {repos.loading ? (
        <Loading label="Loading repositories…" />
      ) : (repos.data ?? []).length === 0 && !repos.error ? (
        <EmptyState title="No repositories connected">
          <p>Tasks can also run without a repository, in an empty workspace.</p>
        </EmptyState>
      ) : (
        <ul className="card-list">
          {repos.data?.map((repo) => (
            <RepoRow key={repo.id} repo={repo} onRemoved={() => { reload(); broadcast({ type: 'repositories' }); }} />
          ))}
        </ul>
      )}
    </section>
  );
}

function AddRepository({ onAdded, onCancel }: { onAdded: () => void; onCancel: () => void }) {
  const workspace = useWorkspace();
  const [owner, setOwner] = useState('');
  const [repo, setRepo] = useState('');
  const [branch, setBranch] = useState('');
  const [token, setToken] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const formRef = useRef<HTMLFormElement>(null);
  useFocusError(formRef, error);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      // "owner/repo" pasted into Owner is split for convenience.
      let o = owner.trim();
      let r = repo.trim();
      if (!r && o.includes('/')) [o, r] = o.replace(/^https:\/\/github\.com\//, '').replace(/\.git$/, '').split('/', 2) as [string, string];
      await api.repoConnections.create({
        workspaceId: workspace.id,
        provider: 'github',
        owner: o,
        repo: r,
        ...(branch.trim() ? { defaultBranch: branch.trim() } : {}),
        ...(token.trim() ? { token: token.trim() } : {}),
      });
      setToken('');
      onAdded();
    } catch (e) {
      setError(toApiError(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form ref={formRef} className="card form" onSubmit={submit} aria-busy={busy} noValidate>
      <ErrorAlert error={error} />
      <div className="form-row">
        <Field label="Owner" error={fieldError(error, 'owner')}>
          <input value={owner} onChange={(e) => setOwner(e.target.value)} required spellCheck={false} autoFocus placeholder="octocat" />
        </Field>
        <Field label="Repository" error={fieldError(error, 'repo')}>
          <input value={repo} onChange={(e) => setRepo(e.target.value)} required spellCheck={false} placeholder="hello-world" />
        </Field>
        <Field label="Default branch" error={fieldError(error, 'defaultBranch')}>
          <input value={branch} onChange={(e) => setBranch(e.target.value)} spellCheck={false} placeholder="main" />
        </Field>
      </div>
      <Field label="Token" hint="A GitHub token with access to the repository. Write-only: it is stored encrypted and never shown again." error={fieldError(error, 'token')}>
        <input type="password" value={token} onChange={(e) => setToken(e.target.value)} autoComplete="off" spellCheck={false} />
      </Field>
      <div className="form-actions">
        <button type="button" className="btn" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="btn btn-primary" disabled={busy}>
          Add
        </button>
      </div>
    </form>
  );
}

function RepoRow({ repo, onRemoved }: { repo: RepoConnection; onRemoved: () => void }) {
  const [test, setTest] = useState<{ busy: boolean; result: RepoConnectionTestResult | null; error: ApiError | null }>({
    busy: false,
    result: null,
    error: null,
  });
  const [removeError, setRemoveError] = useState<ApiError | null>(null);

  async function testAccess() {
    setTest({ busy: true, result: null, error: null });
    try {
      setTest({ busy: false, result: await api.repoConnections.test(repo.id), error: null });
    } catch (e) {
      setTest({ busy: false, result: null, error: toApiError(e) });
    }
  }

  async function remove() {
    setRemoveError(null);
    try {
      await api.repoConnections.remove(repo.id);
      onRemoved();
    } catch (e) {
      setRemoveError(toApiError(e));
    }
  }

  const name = `${repo.owner}/${repo.repo}`;
  const result = test.result;
  return (
    <li className="card repo">
      <div className="repo-head">
        <a href={`https://github.com/${repo.owner}/${repo.repo}`} target="_blank" rel="noreferrer" className="repo-name">
          {name}
        </a>
        <span className="badge badge-muted">{repo.hasToken ? 'own token' : 'no token'}</span>
      </div>
      <p className="muted small">
        default branch <span className="mono">{repo.defaultBranch ?? 'main'}</span> · added <RelativeTime iso={repo.createdAt} />
      </p>
      <div className="toolbar">
        <button type="button" className="btn btn-small" onClick={testAccess} disabled={test.busy} aria-busy={test.busy}>
          Test access
        </button>
        <button type="button" className="btn btn-small btn-danger" onClick={remove}>
          Remove
        </button>
      </div>
      <GitHubWebhookPanel connectionId={repo.id} />
      {test.busy && (
        <p role="status" className="muted small">
          Checking access…
        </p>
      )}
      {result &&
        (result.ok ? (
          <p role="status" className="notice notice-ok">
            Access OK: {result.repository?.fullName ?? name}
            {result.repository && ` (${result.repository.isPrivate ? 'private' : 'public'}, default branch ${result.repository.defaultBranch})`}.
          </p>
        ) : (
          <p role="alert" className="alert alert-error">
            No access{result.status ? ` (GitHub answered ${result.status})` : ''}: {result.message ?? 'the repository cannot be read'}
            {result.code && <code className="alert-code">{result.code}</code>}
          </p>
        ))}
      <ErrorAlert error={test.error} label="Test access" />
      <ErrorAlert error={removeError} label="Remove" />
    </li>
  );
}
