import { type FormEvent, useRef, useState } from 'react';
import { api } from '../api/api';
import { toApiError, type ApiError } from '../api/client';
import { useWorkspaces } from '../app/workspace';
import { useFocusError } from '../app/useFocusError';
import { ErrorAlert } from '../components/ErrorAlert';
import { Field, fieldError } from '../components/Field';

export function slugify(name: string): string {
  return name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
    .replace(/-+$/g, '');
}

/** The empty state when there is no workspace yet: everything else lives inside one. */
export function CreateWorkspace() {
  const { created } = useWorkspaces();
  const [name, setName] = useState('');
  const [slug, setSlug] = useState('');
  const [slugEdited, setSlugEdited] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const formRef = useRef<HTMLFormElement>(null);
  useFocusError(formRef, error);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      created(await api.workspaces.create({ name: name.trim(), slug: slug.trim() }));
    } catch (e) {
      setError(toApiError(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="page page-narrow">
      <div className="empty empty-large">
        <p className="empty-title">No workspace yet</p>
        <p>
          Tasks, automations and repositories live in a workspace. Create the first one to start.
        </p>
      </div>
      <form ref={formRef} className="card form" onSubmit={submit} aria-busy={busy} noValidate>
        <h1>Create a workspace</h1>
        <ErrorAlert error={error} />
        <Field label="Name" error={fieldError(error, 'name')}>
          <input
            value={name}
            required
            maxLength={200}
            onChange={(e) => {
              setName(e.target.value);
              if (!slugEdited) setSlug(slugify(e.target.value));
            }}
          />
        </Field>
        <Field label="Slug" hint="Lowercase letters, digits and single hyphens." error={fieldError(error, 'slug')}>
          <input
            value={slug}
            required
            maxLength={64}
            onChange={(e) => {
              setSlug(e.target.value);
              setSlugEdited(true);
            }}
          />
        </Field>
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={busy}>
            Create workspace
          </button>
        </div>
      </form>
    </section>
  );
}
