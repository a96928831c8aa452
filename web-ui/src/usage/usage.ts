// Pure helpers of the Usage page: chart rows, formatting, and reading the budget form.
import type { UsageFigures, UsageGroup, UsageGroupBy, WorkspaceBudget } from '../api/types';

export const ZERO: UsageFigures = {
  runs: 0,
  inputTokens: 0,
  cachedInputTokens: 0,
  outputTokens: 0,
  reasoningTokens: 0,
  totalTokens: 0,
  costUsd: 0,
  unpricedTokens: 0,
};

export interface ChartRow {
  key: string;
  label: string;
  input: number;
  cached: number;
  output: number;
  cost: number;
}

/** The UTC days from `from` (inclusive) to `to` (exclusive), as YYYY-MM-DD. */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  const end = Date.parse(to);
  for (let t = Date.parse(`${from.slice(0, 10)}T00:00:00Z`); t < end; t += 86_400_000) {
    days.push(new Date(t).toISOString().slice(0, 10));
  }
  return days;
}

/**
 * One chart row per group; by day, every day of the range gets a row (days without usage at zero), so the time
 * axis is not squeezed around the days that had runs.
 */
export function chartRows(groups: UsageGroup[], groupBy: UsageGroupBy, from: string, to: string): ChartRow[] {
  const row = (key: string, label: string, f: UsageFigures): ChartRow => ({
    key,
    label,
    // cached tokens are part of the input: the bars stack uncached input, cached input and output
    input: f.inputTokens - f.cachedInputTokens,
    cached: f.cachedInputTokens,
    output: f.outputTokens,
    cost: f.costUsd,
  });
  if (groupBy !== 'day') return groups.map((g) => row(g.key, g.label, g.figures));
  const byDay = new Map(groups.map((g) => [g.key, g.figures]));
  return daysBetween(from, to).map((day) => row(day, day.slice(5), byDay.get(day) ?? ZERO));
}

const TOKENS = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 });

export function formatTokens(n: number): string {
  return n < 10_000 ? n.toLocaleString('en') : TOKENS.format(n);
}

export function formatUsd(n: number): string {
  if (n === 0) return '$0';
  // agent runs often cost fractions of a cent: below a dollar, four decimals
  return n < 1 ? `$${n.toFixed(4)}` : `$${n.toFixed(2)}`;
}

/** The start of a range that ends now and spans `days` UTC days, today included. */
export function rangeStart(days: number, now: Date = new Date()): string {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return new Date(today - (days - 1) * 86_400_000).toISOString().slice(0, 10);
}

export interface BudgetForm {
  period: 'day' | 'month';
  maxTokens: string;
  maxCostUsd: string;
}

/** The form's budget, or the errors to show by field (the server checks the same again). */
export function readBudget(form: BudgetForm): { budget: WorkspaceBudget } | { errors: Partial<Record<keyof BudgetForm, string>> } {
  const errors: Partial<Record<keyof BudgetForm, string>> = {};
  const tokens = form.maxTokens.trim();
  const cost = form.maxCostUsd.trim();
  let maxTokens: number | null = null;
  let maxCostUsd: number | null = null;
  if (tokens) {
    if (!/^\d+$/.test(tokens) || Number(tokens) < 1) errors.maxTokens = 'A whole number of tokens, at least 1.';
    else maxTokens = Number(tokens);
  }
  if (cost) {
    const value = Number(cost);
    if (!/^\d+(\.\d+)?$/.test(cost) || !(value > 0)) errors.maxCostUsd = 'An amount of US dollars above 0.';
    else maxCostUsd = value;
  }
  if (!tokens && !cost) errors.maxTokens = 'Give a token limit, a dollar limit, or both.';
  if (Object.keys(errors).length > 0) return { errors };
  return { budget: { period: form.period, maxTokens, maxCostUsd } };
}

/** How much of a limit is used, 0..1 (more than 1 when over). */
export function share(used: number, limit: number | null): number | null {
  return limit ? used / limit : null;
}
