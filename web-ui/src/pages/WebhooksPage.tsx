import { type FormEvent, useRef, useState } from 'react';
import { api } from '../api/api';
import { toApiError, type ApiError } from '../api/client';
import type { WebhookDelivery, WebhookEndpoint } from '../api/webhooks';
import { useResource } from '../app/useResource';
import { useWorkspace } from '../app/workspace';
import { useFocusError } from '../app/useFocusError';
import { ErrorAlert } from '../components/ErrorAlert';
import { Field, fieldError } from '../components/Field';
import { EmptyState, Loading } from '../components/States';
import { RelativeTime } from '../components/Time';

/** The workspace's outbound webhooks and what was sent to each. */
export default function WebhooksPage() {
  const workspace = useWorkspace();
  const endpoints = useResource(`webhooks:${workspace.id}`, async () => (await api.webhooks.list(workspace.id)).items);
  return (
    <section className="page">
      <div className="page-head">
        <h1>Webhooks</h1>
      </div>
      <p className="muted lead">
        When a run completes, fails or is cancelled, the worker POSTs JSON signed with the endpoint’s secret
        (<span className="mono">X-Agent-Center-Signature-256: sha256=…</span>, HMAC-SHA256 of the body) and retries
        with backoff until the endpoint answers 2xx.
      </p>
      <AddEndpoint onAdded={endpoints.reload} />
      <ErrorAlert error={endpoints.error} onRetry={endpoints.reload} />
      {endpoints.loading ? (
        <Loading label="Loading webhooks…" />
      ) : (endpoints.data ?? []).length === 0 && !endpoints.error ? (
        <EmptyState title="No webhooks">
          <p>Add an endpoint to be told when runs end.</p>
        </EmptyState>
      ) : (
        <ul className="card-list">
          {endpoints.data?.map((endpoint) => (
            <EndpointRow key={endpoint.id} endpoint={endpoint} onRemoved={endpoints.reload} />
          ))}
        </ul>
      )}
    </section>
  );
}

function AddEndpoint({ onAdded }: { onAdded: () => void }) {
  const workspace = useWorkspace();
  const [url, setUrl] = useState('');
  const [secret, setSecret] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  useFocusError(formRef, error);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.webhooks.create({ workspaceId: workspace.id, url: url.trim(), secret });
      setUrl('');
      setSecret('');
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
        <Field label="URL" error={fieldError(error, 'url')}>
          <input value={url} onChange={(e) => setUrl(e.target.value)} required spellCheck={false} placeholder="https://example.com/hooks/agent-center" />
        </Field>
        <Field label="Secret" hint="Write-only: stored encrypted, never shown again." error={fieldError(error, 'secret')}>
          <input type="password" value={secret} onChange={(e) => setSecret(e.target.value)} required autoComplete="off" />
        </Field>
      </div>
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={busy}>
          Add webhook
        </button>
      </div>
    </form>
  );
}

function EndpointRow({ endpoint, onRemoved }: { endpoint: WebhookEndpoint; onRemoved: () => void }) {
  const [log, setLog] = useState<WebhookDelivery[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);

  async function showLog() {
    setError(null);
    try {
      setLog((await api.webhooks.deliveries(endpoint.id)).items);
    } catch (e) {
      setError(toApiError(e));
    }
  }

  async function remove() {
    setError(null);
    try {
      await api.webhooks.remove(endpoint.id);
      onRemoved();
    } catch (e) {
      setError(toApiError(e));
    }
  }

  return (
    <li className="card">
      <p className="mono">{endpoint.url}</p>
      <p className="muted small">
        added <RelativeTime iso={endpoint.createdAt} />
      </p>
      <div className="toolbar">
        <button type="button" className="btn btn-small" onClick={showLog}>
          {log ? 'Refresh deliveries' : 'Show deliveries'}
        </button>
        <button type="button" className="btn btn-small btn-danger" onClick={remove}>
          Remove
        </button>
      </div>
      <ErrorAlert error={error} />
      {log &&
        (log.length === 0 ? (
          <p className="muted small">Nothing sent yet.</p>
        ) : (
          <div className="table-wrap">
            <table className="table" aria-label="Deliveries">
              <thead>
                <tr>
                  <th>Event</th>
                  <th>Status</th>
                  <th>Attempts</th>
                  <th>Last answer</th>
                  <th>Created</th>
                </tr>
              </thead>
              <tbody>
                {log.map((d) => (
                  <tr key={d.id}>
                    <td className="mono">{d.event}</td>
                    <td>{d.status}</td>
                    <td>{d.attempts}</td>
                    <td className="small">{d.lastStatusCode ?? ''} {d.lastError ?? ''}</td>
                    <td><RelativeTime iso={d.createdAt} /></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}
    </li>
  );
}
