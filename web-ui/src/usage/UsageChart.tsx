import { Bar, CartesianGrid, ComposedChart, Legend, Line, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatTokens, formatUsd, type ChartRow } from './usage';

/**
 * Tokens as stacked bars (uncached input, cached input, output) and cost as a line on its own axis. `width` fixes
 * the size (tests); without it the chart fills its container.
 */
export function UsageChart({ rows, width }: { rows: ChartRow[]; width?: number }) {
  const chart = (
    <ComposedChart data={rows} width={width} height={width ? 280 : undefined} margin={{ top: 8, right: 8, bottom: 8, left: 8 }}>
      <CartesianGrid strokeDasharray="3 3" vertical={false} />
      <XAxis dataKey="label" tick={{ fontSize: 12 }} />
      <YAxis yAxisId="tokens" tickFormatter={formatTokens} tick={{ fontSize: 12 }} width={56} />
      <YAxis yAxisId="cost" orientation="right" tickFormatter={formatUsd} tick={{ fontSize: 12 }} width={64} />
      <Tooltip
        formatter={(value, name) => (name === 'Cost' ? formatUsd(Number(value)) : formatTokens(Number(value)))}
      />
      <Legend />
      <Bar yAxisId="tokens" dataKey="input" name="Input" stackId="tokens" fill="#6366f1" isAnimationActive={false} />
      <Bar yAxisId="tokens" dataKey="cached" name="Cached input" stackId="tokens" fill="#a5b4fc" isAnimationActive={false} />
      <Bar yAxisId="tokens" dataKey="output" name="Output" stackId="tokens" fill="#0ea5e9" isAnimationActive={false} />
      <Line yAxisId="cost" dataKey="cost" name="Cost" stroke="#f59e0b" strokeWidth={2} dot={false} isAnimationActive={false} />
    </ComposedChart>
  );
  return (
    <figure className="usage-chart" aria-label="Tokens and cost">
      {width ? chart : <ResponsiveContainer width="100%" height={280}>{chart}</ResponsiveContainer>}
    </figure>
  );
}
