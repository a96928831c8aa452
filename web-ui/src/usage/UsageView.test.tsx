// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/client';
import type { UsageReport, WorkspaceBudget } from '../api/types';
import { ZERO } from './usage';
import { UsageView } from './UsageView';

afterEach(cleanup);

const report: UsageReport = {
  workspaceId: 'w1',
  from: '2026-12-01T00:00:00Z',
  to: '2026-12-03T12:00:00Z',
  groupBy: 'day',
  totals: { ...ZERO, runs: 2, inputTokens: 1900, cachedInputTokens: 500, outputTokens: 150, reasoningTokens: 30, totalTokens: 2050, costUsd: 0.01182, unpricedTokens: 110 },
  groups: [
    { key: '2026-12-02', label: '2026-12-02', figures: { ...ZERO, runs: 2, inputTokens: 1900, cachedInputTokens: 500, outputTokens: 150, totalTokens: 2050, costUsd: 0.01182 } },
  ],
  budget: {
    period: 'day',
    maxTokens: 1000,
    maxCostUsd: null,
    periodStart: '2026-12-03T00:00:00Z',
    periodEnd: '2026-12-04T00:00:00Z',
    usedTokens: 2050,
    usedCostUsd: 0.01182,
    exhaustedBy: 'workspace_tokens',
  },
};

function view(onSaveBudget: (budget: WorkspaceBudget | null) => Promise<void>, budget: WorkspaceBudget | null = null) {
  return render(
    <UsageView
      report={report}
      groupBy="day"
      onGroupBy={() => {}}
      days={30}
      onDays={() => {}}
      budget={budget}
      onSaveBudget={onSaveBudget}
      chartWidth={640}
    />,
  );
}

describe('UsageView', () => {
  it('shows totals, a chart with a bar group per day, the table and the spent budget', () => {
    const { container } = view(async () => {});
    const totals = screen.getByLabelText('Totals');
    expect(totals.textContent).toContain('2,050');
    expect(totals.textContent).toContain('$0.0118');
    // the chart is an SVG drawn by recharts, one x tick per day of the range (3 days)
    expect(container.querySelector('.usage-chart svg')).not.toBeNull();
    expect(container.querySelectorAll('.recharts-xAxis .recharts-cartesian-axis-tick').length).toBe(3);
    expect(screen.getByRole('table').textContent).toContain('1,900');
    expect(screen.getByRole('alert').textContent).toContain('token budget is spent');
    expect(screen.getByText(/110 tokens have no cost/)).not.toBeNull();
  });

  it('checks the budget form before sending, then saves and removes budgets', async () => {
    const save = vi.fn(async (_budget: WorkspaceBudget | null) => {});
    view(save, { period: 'day', maxTokens: 1000, maxCostUsd: null });
    fireEvent.change(screen.getByLabelText('Max tokens'), { target: { value: 'lots' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save budget' }));
    expect(await screen.findByText('A whole number of tokens, at least 1.')).not.toBeNull();
    expect(save).not.toHaveBeenCalled();

    fireEvent.change(screen.getByLabelText('Max tokens'), { target: { value: '5000' } });
    fireEvent.change(screen.getByLabelText('Max cost (USD)'), { target: { value: '2.5' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save budget' }));
    await waitFor(() => expect(save).toHaveBeenCalledWith({ period: 'day', maxTokens: 5000, maxCostUsd: 2.5 }));
    expect(await screen.findByText('Budget saved.')).not.toBeNull();

    fireEvent.click(screen.getByRole('button', { name: 'Remove budget' }));
    await waitFor(() => expect(save).toHaveBeenLastCalledWith(null));
  });

  it('shows the server refusing a budget', async () => {
    view(async () => {
      throw new ApiError({ status: 400, title: 'Bad Request', detail: 'The request is not valid', code: 'validation_failed', requestId: 'req-1', errors: [{ field: 'budget.maxTokens', message: 'must be at most 1000000000000' }] });
    });
    fireEvent.change(screen.getByLabelText('Max tokens'), { target: { value: '5' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save budget' }));
    await waitFor(() =>
      expect(screen.getAllByRole('alert').map((a) => a.textContent).join(' ')).toContain('budget.maxTokens must be at most'),
    );
    expect(screen.getAllByRole('alert').map((a) => a.textContent).join(' ')).toContain('The budget was not saved');
  });
});
