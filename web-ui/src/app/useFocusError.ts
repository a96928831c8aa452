import { useEffect, type RefObject } from 'react';

/**
 * After a failed submit, moves focus to the first field the server rejected, or else to the error alert, so that
 * keyboard and screen-reader users land on what needs fixing.
 */
export function useFocusError(form: RefObject<HTMLFormElement | null>, error: unknown): void {
  useEffect(() => {
    if (!error || !form.current) return;
    const target =
      form.current.querySelector<HTMLElement>('[aria-invalid="true"]') ?? form.current.querySelector<HTMLElement>('[role="alert"]');
    if (target && target.getAttribute('role') === 'alert') target.tabIndex = -1;
    target?.focus();
  }, [error, form]);
}
