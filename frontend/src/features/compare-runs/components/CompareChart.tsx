import type { ChartOptions } from 'chart.js';
import { Chart as ChartJS, Legend, LineElement, LinearScale, LogarithmicScale, PointElement, Tooltip } from 'chart.js';
import { useMemo } from 'react';
import { Line } from 'react-chartjs-2';
import type { CompareRun } from '../../../lib/api-types';
import { followColorScheme } from '../../../lib/chart-theme';
import { formatCompact, formatNumber } from '../../../lib/format';
import { compareCurves, type Align, type Show } from '../utils/compare';

ChartJS.register(LinearScale, LogarithmicScale, PointElement, LineElement, Tooltip, Legend);
followColorScheme();

interface Props {
  runs: CompareRun[];
  align: Align;
  show: Show;
  log: boolean;
}

/** The runs' loss curves on one shared loss axis, by step or by tokens seen. */
export function CompareChart({ runs, align, show, log }: Props) {
  const { curves, unaligned } = useMemo(() => compareCurves(runs, align, show), [runs, align, show]);
  const data = useMemo(
    () => ({
      datasets: curves.map((c) => ({
        label: c.label,
        data: c.points,
        borderColor: c.color,
        backgroundColor: c.color,
        borderWidth: c.kind === 'train' ? 2 : 1.5,
        borderDash: c.kind === 'val' ? [6, 4] : [],
        pointRadius: c.kind === 'val' && c.points.length < 60 ? 2.5 : 0,
        tension: 0.2,
      })),
    }),
    [curves],
  );
  const options = useMemo<ChartOptions<'line'>>(
    () => ({
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      parsing: false,
      normalized: true,
      interaction: { mode: 'nearest', intersect: false, axis: 'x' },
      scales: {
        x: {
          type: 'linear',
          min: 0,
          title: { display: true, text: align === 'tokens' ? 'Tokens seen' : 'Step' },
          ticks: { maxTicksLimit: 8, callback: (v) => (align === 'tokens' ? formatCompact(Number(v)) : formatNumber(Number(v))) },
        },
        y: { type: log ? 'logarithmic' : 'linear', title: { display: true, text: `Loss${log ? ' (log)' : ''}` } },
      },
      plugins: {
        legend: { position: 'bottom', labels: { boxWidth: 18, font: { size: 11 } } },
        tooltip: {
          callbacks: {
            title: (items) => (items[0] ? `${align === 'tokens' ? 'Tokens' : 'Step'} ${formatNumber(items[0].parsed.x ?? 0)}` : ''),
            label: (item) => `${item.dataset.label}: ${(item.parsed.y ?? 0).toFixed(3)}`,
          },
        },
      },
    }),
    [align, log],
  );
  const drawn = curves.filter((c) => c.points.length > 0).length;
  const summary = `Loss curves of ${runs.length} runs by ${align === 'tokens' ? 'tokens seen' : 'step'}: ${curves
    .filter((c) => c.points.length)
    .map((c) => `${c.label} ends at ${c.points[c.points.length - 1].y.toFixed(3)}`)
    .join('; ')}.`;
  return (
    <div data-testid="compare-chart" data-curves={drawn}>
      {unaligned.length ? (
        <p className="small muted" role="note">
          Not on the tokens axis (no token count known for): {unaligned.join(', ')}.
        </p>
      ) : null}
      {drawn === 0 ? (
        <div className="chart-empty">None of these runs has logged a loss yet.</div>
      ) : (
        <div className="chart-box">
          <Line data={data} options={options} role="img" aria-label={summary} fallbackContent={<p>{summary}</p>} />
        </div>
      )}
    </div>
  );
}
