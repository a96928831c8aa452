import { useState, type FormEvent } from 'react';
import { Link } from 'wouter';
import { toApiError, type ApiError } from '../api/client';
import type { UsageBudgetState, UsageGroupBy, UsageReport, WorkspaceBudget } from '../api/types';
import { ErrorAlert } from '../components/ErrorAlert';
import { Field } from '../components/Field';
import { EmptyState } from '../components/States';
import { UsageChart } from './UsageChart';
import { chartRows, formatTokens, formatUsd, readBudget, share, type BudgetForm } from './usage';

export const RANGES = [7, 30, 90] as const;
const GROUPS: { value: UsageGroupBy; label: string }[] = [
  { value: 'day', label: 'Day' },
  { value: 'task', label: 'Task' },
  { value: 'provider', label: 'Provider' },
  { value: 'model', label: 'Model' },
];

/** The Usage page's content for one report; the page loads it and saves budgets. */
export function UsageView({
  report,
  groupBy,
  onGroupBy,
  days,
  onDays,
  budget,
  onSaveBudget,
  chartWidth,
}: {
  report: UsageReport;
  groupBy: UsageGroupBy;
  onGroupBy: (groupBy: UsageGroupBy) => void;
  days: number;
  onDays: (days: number) => void;
  /** The workspace's budget setting (the report's `budget` is its state). */
  budget: WorkspaceBudget | null;
  onSaveBudget: (budget: WorkspaceBudget | null) => Promise<void>;
  chartWidth?: number;
}) {
  const totals = report.totals;
  const rows = chartRows(report.groups, groupBy, report.from, report.to);
  return (
    <>
      {report.budget?.exhaustedBy && <BudgetExhausted state={report.budget} />}
      <div className="toolbar usage-controls">
        <Field label="Range">
          <select value={days} onChange={(e) => onDays(Number(e.target.value))}>
            {RANGES.map((d) => (
              <option key={d} value={d}>
                Last {d} days
              </option>
            ))}
          </select>
        </Field>
        <Field label="Group by">
          <select value={groupBy} onChange={(e) => onGroupBy(e.target.value as UsageGroupBy)}>
            {GROUPS.map((g) => (
              <option key={g.value} value={g.value}>
                {g.label}
              </option>
            ))}
          </select>
        </Field>
      </div>
      <dl className="facts usage-totals" aria-label="Totals">
        <div>
          <dt>Runs</dt>
          <dd>{totals.runs}</dd>
        </div>
        <div>
          <dt>Tokens</dt>
          <dd title={`${totals.totalTokens.toLocaleString('en')} tokens`}>{formatTokens(totals.totalTokens)}</dd>
        </div>
        <div>
          <dt>Input (cached)</dt>
          <dd>
            {formatTokens(totals.inputTokens)} ({formatTokens(totals.cachedInputTokens)})
          </dd>
        </div>
        <div>
          <dt>Output (reasoning)</dt>
          <dd>
            {formatTokens(totals.outputTokens)} ({formatTokens(totals.reasoningTokens)})
          </dd>
        </div>
        <div>
          <dt>Cost</dt>
          <dd>{formatUsd(totals.costUsd)}</dd>
        </div>
      </dl>
      {totals.unpricedTokens > 0 && (
        <p className="notice">
          {formatTokens(totals.unpricedTokens)} tokens have no cost: their CLI reported none and the model has no
          price (set <code>USAGE_PRICES</code> on the API and runners).
        </p>
      )}
      {report.groups.length === 0 ? (
        <EmptyState title="No agent usage in this range">
          <p>Runs with a coding agent (Codex, Claude Code) report their tokens when they finish a turn.</p>
        </EmptyState>
      ) : (
        <>
          <UsageChart rows={rows} width={chartWidth} />
          <UsageTable report={report} groupBy={groupBy} />
        </>
      )}
      <BudgetPanel state={report.budget} budget={budget} onSave={onSaveBudget} />
    </>
  );
}

function UsageTable({ report, groupBy }: { report: UsageReport; groupBy: UsageGroupBy }) {
  const heading = GROUPS.find((g) => g.value === groupBy)?.label ?? 'Group';
  return (
    <div className="table-wrap">
      <table className="table">
        <caption className="visually-hidden">Usage by {heading.toLowerCase()}</caption>
        <thead>
          <tr>
            <th scope="col">{heading}</th>
            <th scope="col">Runs</th>
            <th scope="col">Input</th>
            <th scope="col">Cached</th>
            <th scope="col">Output</th>
            <th scope="col">Reasoning</th>
            <th scope="col">Cost</th>
          </tr>
        </thead>
        <tbody>
          {report.groups.map((g) => (
            <tr key={g.key}>
              <th scope="row">
                {groupBy === 'task' ? <Link href={`/tasks/${encodeURIComponent(g.key)}`}>{g.label}</Link> : g.label}
              </th>
              <td>{g.figures.runs}</td>
              <td>{g.figures.inputTokens.toLocaleString('en')}</td>
              <td>{g.figures.cachedInputTokens.toLocaleString('en')}</td>
              <td>{g.figures.outputTokens.toLocaleString('en')}</td>
              <td>{g.figures.reasoningTokens.toLocaleString('en')}</td>
              <td>{formatUsd(g.figures.costUsd)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function BudgetExhausted({ state }: { state: UsageBudgetState }) {
  const what = state.exhaustedBy === 'workspace_cost' ? 'dollar' : 'token';
  return (
    <div className="alert alert-error" role="alert">
      <p className="alert-title">The workspace’s {what} budget is spent</p>
      <p>
        New runs are refused (<code>budget_exhausted</code>) and running agents are stopped until{' '}
        {new Date(state.periodEnd).toUTCString()} or until the budget is raised.
      </p>
    </div>
  );
}

function BudgetPanel({
  state,
  budget,
  onSave,
}: {
  state: UsageBudgetState | null;
  budget: WorkspaceBudget | null;
  onSave: (budget: WorkspaceBudget | null) => Promise<void>;
}) {
  const [form, setForm] = useState<BudgetForm>({
    period: budget?.period ?? 'month',
    maxTokens: budget?.maxTokens?.toString() ?? '',
    maxCostUsd: budget?.maxCostUsd?.toString() ?? '',
  });
  const [errors, setErrors] = useState<Partial<Record<keyof BudgetForm, string>>>({});
  const [error, setError] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function save(next: WorkspaceBudget | null, message: string) {
    setBusy(true);
    setError(null);
    setSaved(null);
    try {
      await onSave(next);
      setSaved(message);
    } catch (e) {
      setError(toApiError(e));
    } finally {
      setBusy(false);
    }
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    const read = readBudget(form);
    if ('errors' in read) {
      setErrors(read.errors);
      return;
    }
    setErrors({});
    void save(read.budget, 'Budget saved.');
  }

  const tokensShare = state ? share(state.usedTokens, state.maxTokens) : null;
  const costShare = state ? share(state.usedCostUsd, state.maxCostUsd) : null;
  return (
    <form className="card form budget" onSubmit={submit} noValidate aria-labelledby="budget-heading">
      <h2 id="budget-heading">Workspace budget</h2>
      {state ? (
        <p>
          {state.period === 'day' ? 'Today (UTC)' : 'This month (UTC)'}: {formatTokens(state.usedTokens)}
          {state.maxTokens !== null && ` of ${formatTokens(state.maxTokens)}`} tokens
          {tokensShare !== null && <meter min={0} max={1} low={0.5} high={0.8} optimum={0} value={Math.min(1, tokensShare)} aria-label="Tokens used" />}
          , {formatUsd(state.usedCostUsd)}
          {state.maxCostUsd !== null && ` of ${formatUsd(state.maxCostUsd)}`}
          {costShare !== null && <meter min={0} max={1} low={0.5} high={0.8} optimum={0} value={Math.min(1, costShare)} aria-label="Cost used" />}
        </p>
      ) : (
        <p className="muted">No budget: runs are not limited. Runs can also have their own limits (config.agent.maxTokens, maxCostUsd).</p>
      )}
      <div className="form-row">
        <Field label="Period">
          <select value={form.period} onChange={(e) => setForm({ ...form, period: e.target.value as 'day' | 'month' })}>
            <option value="day">Per UTC day</option>
            <option value="month">Per UTC month</option>
          </select>
        </Field>
        <Field label="Max tokens" error={errors.maxTokens} hint="Input (cached included) plus output.">
          <input inputMode="numeric" value={form.maxTokens} onChange={(e) => setForm({ ...form, maxTokens: e.target.value })} />
        </Field>
        <Field label="Max cost (USD)" error={errors.maxCostUsd}>
          <input inputMode="decimal" value={form.maxCostUsd} onChange={(e) => setForm({ ...form, maxCostUsd: e.target.value })} />
        </Field>
      </div>
      <div className="form-actions">
        <button type="button" className="btn" disabled={busy || !budget} onClick={() => void save(null, 'Budget removed.')}>
          Remove budget
        </button>
        <button type="submit" className="btn btn-primary" disabled={busy} aria-busy={busy}>
          Save budget
        </button>
      </div>
      {saved && (
        <p role="status" className="notice notice-ok">
          {saved}
        </p>
      )}
      <ErrorAlert error={error} label="The budget was not saved" />
    </form>
  );
}
