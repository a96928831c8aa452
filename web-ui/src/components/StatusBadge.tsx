/** The status word as text, with data-status for styling and tests. */
export function StatusBadge({ status, testId }: { status: string; testId?: string }) {
  return (
    <span className="badge status" data-status={status} data-testid={testId}>
      {status}
    </span>
  );
}
