import { cloneElement, useId, type ReactElement, type ReactNode } from 'react';

/**
 * A labelled form control with an optional hint and error, both tied to the control through aria-describedby.
 * The child is the control (input, select, textarea); it gets the id.
 */
export function Field({
  label,
  hint,
  error,
  children,
  className,
}: {
  label: string;
  hint?: ReactNode;
  error?: string;
  children: ReactElement<Record<string, unknown>>;
  className?: string;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [hint ? hintId : null, error ? errorId : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${error ? ' field-invalid' : ''}${className ? ` ${className}` : ''}`}>
      <label htmlFor={id}>{label}</label>
      {cloneElement(children, { id, 'aria-describedby': describedBy, 'aria-invalid': error ? true : undefined })}
      {hint && (
        <div id={hintId} className="field-hint">
          {hint}
        </div>
      )}
      {error && (
        <div id={errorId} className="field-error">
          {error}
        </div>
      )}
    </div>
  );
}

/** Field errors of an ApiError for the given API field names (prefix match, so `config.commands` catches
 * `config.commands[0].command`). */
export function fieldError(
  error: { errors: { field: string; message: string }[] } | null,
  ...fields: string[]
): string | undefined {
  if (!error) return undefined;
  const messages = error.errors
    .filter((e) => fields.some((f) => e.field === f || e.field.startsWith(`${f}.`) || e.field.startsWith(`${f}[`)))
    .map((e) => (e.field === fields[0] ? e.message : `${e.field} ${e.message}`));
  return messages.length ? messages.join('; ') : undefined;
}
