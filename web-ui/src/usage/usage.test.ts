import { describe, expect, it } from 'vitest';
import type { UsageGroup } from '../api/types';
import { chartRows, daysBetween, formatTokens, formatUsd, rangeStart, readBudget, ZERO } from './usage';

const group = (key: string, input: number, cached: number, output: number, cost: number): UsageGroup => ({
  key,
  label: key,
  figures: { ...ZERO, runs: 1, inputTokens: input, cachedInputTokens: cached, outputTokens: output, totalTokens: input + output, costUsd: cost },
});

describe('usage helpers', () => {
  it('lists the UTC days of a range, the end excluded', () => {
    expect(daysBetween('2026-11-29', '2026-12-02T10:00:00Z')).toEqual(['2026-11-29', '2026-11-30', '2026-12-01', '2026-12-02']);
    expect(daysBetween('2026-12-02T00:00:00Z', '2026-12-02T00:00:00Z')).toEqual([]);
  });

  it('gives every day of the range a row, days without usage at zero, and splits cached input out', () => {
    const rows = chartRows([group('2026-12-01', 1000, 200, 100, 0.5)], 'day', '2026-11-30T00:00:00Z', '2026-12-02T00:00:00Z');
    expect(rows.map((r) => r.key)).toEqual(['2026-11-30', '2026-12-01']);
    expect(rows[0]).toMatchObject({ input: 0, cached: 0, output: 0, cost: 0, label: '11-30' });
    expect(rows[1]).toMatchObject({ input: 800, cached: 200, output: 100, cost: 0.5 });
  });

  it('keeps other groupings as they come', () => {
    const rows = chartRows([group('codex', 10, 0, 1, 0), group('claude', 5, 5, 1, 0.1)], 'provider', '2026-11-30', '2026-12-02');
    expect(rows.map((r) => r.key)).toEqual(['codex', 'claude']);
  });

  it('formats tokens and dollars', () => {
    expect(formatTokens(950)).toBe('950');
    expect(formatTokens(1_250_000)).toBe('1.3M');
    expect(formatUsd(0)).toBe('$0');
    expect(formatUsd(0.00182)).toBe('$0.0018');
    expect(formatUsd(12.345)).toBe('$12.35');
  });

  it('starts a range of n days with today included', () => {
    expect(rangeStart(7, new Date('2026-12-03T15:00:00Z'))).toBe('2026-11-27');
    expect(rangeStart(1, new Date('2026-12-03T15:00:00Z'))).toBe('2026-12-03');
  });

  it('reads a budget form and says what is wrong with it', () => {
    expect(readBudget({ period: 'day', maxTokens: '5000', maxCostUsd: '' })).toEqual({
      budget: { period: 'day', maxTokens: 5000, maxCostUsd: null },
    });
    expect(readBudget({ period: 'month', maxTokens: '', maxCostUsd: '12.5' })).toEqual({
      budget: { period: 'month', maxTokens: null, maxCostUsd: 12.5 },
    });
    expect(readBudget({ period: 'day', maxTokens: '', maxCostUsd: '' })).toHaveProperty('errors.maxTokens');
    expect(readBudget({ period: 'day', maxTokens: '1.5', maxCostUsd: '' })).toHaveProperty('errors.maxTokens');
    expect(readBudget({ period: 'day', maxTokens: '0', maxCostUsd: '' })).toHaveProperty('errors.maxTokens');
    expect(readBudget({ period: 'day', maxTokens: '', maxCostUsd: '-2' })).toHaveProperty('errors.maxCostUsd');
    expect(readBudget({ period: 'day', maxTokens: '', maxCostUsd: 'abc' })).toHaveProperty('errors.maxCostUsd');
  });
});
