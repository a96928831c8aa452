import { useState, type FormEvent } from 'react';
import { api } from '../api/api';
import { toApiError, type ApiError } from '../api/client';
import { prefs, type Theme } from '../app/prefs';
import { ErrorAlert } from '../components/ErrorAlert';
import { Field } from '../components/Field';
import { broadcast } from '../sync/broadcast';

export default function SettingsPage() {
  const [token, setToken] = useState('');
  const [hasToken, setHasToken] = useState(() => prefs.token() !== null);
  const [message, setMessage] = useState<string | null>(null);
  const [checkError, setCheckError] = useState<ApiError | null>(null);
  const [theme, setTheme] = useState<Theme>(() => prefs.theme());

  async function check(): Promise<void> {
    setCheckError(null);
    try {
      await api.workspaces.list();
      setMessage((m) => `${m ?? ''} The server accepts it.`.trim());
    } catch (e) {
      setCheckError(toApiError(e));
    }
  }

  async function save(event: FormEvent) {
    event.preventDefault();
    if (!token.trim()) {
      setMessage('Type a token first (or Clear token to remove the saved one).');
      return;
    }
    prefs.setToken(token);
    setToken('');
    setHasToken(true);
    setMessage('Token saved in this browser.');
    broadcast({ type: 'token' });
    await check();
  }

  function clear() {
    prefs.setToken(null);
    setToken('');
    setHasToken(false);
    setCheckError(null);
    setMessage('Token cleared.');
    broadcast({ type: 'token' });
  }

  return (
    <section className="page page-narrow">
      <h1>Settings</h1>
      <form className="card form" onSubmit={save} noValidate>
        <h2 id="token-heading">API token</h2>
        <p className="muted">
          Needed only when the server sets <code>AGENT_CENTER_API_TOKEN</code>. It is kept in this browser (local
          storage), sent as <code>Authorization: Bearer</code> and on the live connection; it is never shown again.
        </p>
        <p>
          Status: <strong>{hasToken ? 'a token is saved' : 'no token saved'}</strong>
        </p>
        <Field label="API token">
          <input type="password" value={token} onChange={(e) => setToken(e.target.value)} autoComplete="off" spellCheck={false} />
        </Field>
        <div className="form-actions">
          <button type="button" className="btn" onClick={clear} disabled={!hasToken && !token}>
            Clear token
          </button>
          <button type="submit" className="btn btn-primary">
            Save token
          </button>
        </div>
        {message && (
          <p role="status" className="notice">
            {message}
          </p>
        )}
        <ErrorAlert error={checkError} label="The server refused the token" />
      </form>
      <div className="card form">
        <h2>Appearance</h2>
        <Field label="Theme" hint="System follows your operating system’s light or dark setting.">
          <select
            value={theme}
            onChange={(e) => {
              const value = e.target.value as Theme;
              setTheme(value);
              prefs.setTheme(value);
            }}
          >
            <option value="system">System</option>
            <option value="light">Light</option>
            <option value="dark">Dark</option>
          </select>
        </Field>
      </div>
    </section>
  );
}
