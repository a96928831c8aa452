import { Link, useLocation } from 'wouter';
import type { ApiError } from '../api/client';

/** An API error in words: title, detail, code, field errors, request id; a 401 points at Settings. */
export function ErrorAlert({ error, onRetry, label }: { error: ApiError | null; onRetry?: () => void; label?: string }) {
  const [location] = useLocation();
  if (!error) return null;
  return (
    <div className="alert alert-error" role="alert">
      <p className="alert-title">
        {label ? `${label}: ` : ''}
        {error.title}
        {error.code && <code className="alert-code">{error.code}</code>}
      </p>
      {error.detail && <p>{error.detail}</p>}
      {error.errors.length > 0 && (
        <ul className="alert-fields">
          {error.errors.map((e) => (
            <li key={`${e.field}:${e.message}`}>
              <code>{e.field}</code> {e.message}
            </li>
          ))}
        </ul>
      )}
      {error.unauthorized && location !== '/settings' && (
        <p>
          This server needs an API token. <Link href="/settings">Set it in Settings</Link>.
        </p>
      )}
      {error.requestId && <p className="muted small">Request id {error.requestId}</p>}
      {onRetry && (
        <button type="button" className="btn btn-small" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}
