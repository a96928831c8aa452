// @vitest-environment jsdom
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../api/client';
import { ErrorAlert } from './ErrorAlert';
import { Field } from './Field';

afterEach(cleanup);

describe('ErrorAlert', () => {
  it('shows title, detail, code, field errors and request id in an alert', () => {
    render(
      <ErrorAlert
        error={new ApiError({
          status: 409,
          title: 'Conflict',
          detail: 'The task already has an active run',
          code: 'task_has_active_run',
          requestId: 'req-7',
          errors: [{ field: 'taskId', message: 'is busy' }],
        })}
      />,
    );
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toContain('Conflict');
    expect(alert.textContent).toContain('The task already has an active run');
    expect(alert.textContent).toContain('task_has_active_run');
    expect(alert.textContent).toContain('taskId is busy');
    expect(alert.textContent).toContain('req-7');
    expect(screen.queryByRole('link')).toBeNull();
  });

  it('links to Settings on a 401', () => {
    render(<ErrorAlert error={new ApiError({ status: 401, title: 'Unauthorized', detail: null, code: 'unauthorized', requestId: null, errors: [] })} />);
    expect(screen.getByRole('link', { name: /Settings/ }).getAttribute('href')).toBe('/settings');
  });

  it('renders nothing without an error', () => {
    const { container } = render(<ErrorAlert error={null} />);
    expect(container.innerHTML).toBe('');
  });
});

describe('Field', () => {
  it('labels its control and ties the error to it', () => {
    render(
      <Field label="Title" error="must not be blank" hint="Shown in the list">
        <input />
      </Field>,
    );
    const input = screen.getByLabelText('Title');
    expect(input.getAttribute('aria-invalid')).toBe('true');
    const described = (input.getAttribute('aria-describedby') ?? '').split(' ').map((id) => document.getElementById(id)?.textContent);
    expect(described).toEqual(['Shown in the list', 'must not be blank']);
  });
});
