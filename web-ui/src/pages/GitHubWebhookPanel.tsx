import { type FormEvent, useState } from 'react';
import { api } from '../api/api';
import { toApiError, type ApiError } from '../api/client';
import type { GitHubDelivery, GitHubSettingsView } from '../api/webhooks';
import { ErrorAlert } from '../components/ErrorAlert';
import { Field, fieldError } from '../components/Field';
import { RelativeTime } from '../components/Time';

/** A repository's GitHub webhook: the secret (write-only), the trigger label, and the deliveries received. */
export function GitHubWebhookPanel({ connectionId }: { connectionId: string }) {
  const [open, setOpen] = useState(false);
  const [view, setView] = useState<GitHubSettingsView | null>(null);
  const [deliveries, setDeliveries] = useState<GitHubDelivery[]>([]);
  const [secret, setSecret] = useState('');
  const [label, setLabel] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  async function load() {
    setError(null);
    try {
      const [settings, received] = await Promise.all([
        api.github.get(connectionId),
        api.github.deliveries(connectionId),
      ]);
      setView(settings);
      setLabel(settings.settings.label);
      setDeliveries(received.items);
    } catch (e) {
      setError(toApiError(e));
    }
  }

  async function save(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      setView(await api.github.update(connectionId, { label, ...(secret ? { webhookSecret: secret } : {}) }));
      setSecret('');
    } catch (e) {
      setError(toApiError(e));
    } finally {
      setBusy(false);
    }
  }

  if (!open) {
    return (
      <button type="button" className="btn btn-small" onClick={() => { setOpen(true); void load(); }}>
        GitHub webhook
      </button>
    );
  }
  return (
    <div className="card form" aria-label="GitHub webhook">
      <p className="muted small">
        In the repository’s Settings → Webhooks, send <span className="mono">application/json</span> to{' '}
        <span className="mono">{window.location.origin}{view?.webhookPath ?? '/api/webhooks/github'}</span> with the
        secret below. {view && (view.hasWebhookSecret ? 'A secret is set.' : 'No secret yet: deliveries are refused.')}
      </p>
      <ErrorAlert error={error} />
      <form onSubmit={save} noValidate>
        <div className="form-row">
          <Field label="Webhook secret" hint="Write-only: stored encrypted, never shown again." error={fieldError(error, 'webhookSecret')}>
            <input type="password" value={secret} onChange={(e) => setSecret(e.target.value)} autoComplete="off" spellCheck={false} />
          </Field>
          <Field label="Trigger label" error={fieldError(error, 'label')}>
            <input value={label} onChange={(e) => setLabel(e.target.value)} spellCheck={false} />
          </Field>
        </div>
        <div className="form-actions">
          <button type="button" className="btn" onClick={() => setOpen(false)}>
            Close
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy}>
            Save
          </button>
        </div>
      </form>
      <h3 className="small">Received deliveries</h3>
      {deliveries.length === 0 ? (
        <p className="muted small">None yet.</p>
      ) : (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th>Event</th>
                <th>Outcome</th>
                <th>Received</th>
              </tr>
            </thead>
            <tbody>
              {deliveries.map((d) => (
                <tr key={d.deliveryId}>
                  <td className="mono">{d.event}{d.action ? `.${d.action}` : ''}</td>
                  <td>
                    {d.outcome}
                    {d.detail && <span className="muted small"> — {d.detail}</span>}
                  </td>
                  <td><RelativeTime iso={d.receivedAt} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
