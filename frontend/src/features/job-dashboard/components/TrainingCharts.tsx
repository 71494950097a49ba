import type { ChartOptions } from 'chart.js';
import { useMemo } from 'react';
import { Line } from 'react-chartjs-2';
import type { MetricPoint } from '../../../lib/api-types';
import { formatCompact, formatLearningRate, formatNumber } from '../../../lib/format';
import { metricSeries } from '../utils/chart';
import './chart-setup';

interface MiniProps {
  title: string;
  testId: string;
  data: { x: number; y: number }[];
  color: string;
  format: (v: number) => string;
  /** What an empty chart means (a CPU host measures no GPU). */
  emptyText: string;
  yMax?: number;
}

function MiniChart({ title, testId, data, color, format, emptyText, yMax }: MiniProps) {
  const last = data.length ? data[data.length - 1] : null;
  // Stable data object: a new one each render would make react-chartjs-2 update the chart.
  const chartData = useMemo(
    () => ({ datasets: [{ label: title, data, borderColor: color, backgroundColor: color, borderWidth: 1.5, pointRadius: data.length < 40 ? 2 : 0, tension: 0.2 }] }),
    [title, data, color],
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
        x: { type: 'linear', min: 0, ticks: { maxTicksLimit: 5, callback: (v) => formatNumber(Number(v)) } },
        y: { type: 'linear', min: 0, max: yMax, ticks: { maxTicksLimit: 4, callback: (v) => format(Number(v)) } },
      },
      plugins: {
        legend: { display: false },
        tooltip: { displayColors: false, callbacks: { title: (items) => `Step ${formatNumber(items[0]?.parsed.x ?? 0)}`, label: (item) => `${title}: ${format(item.parsed.y ?? 0)}` } },
      },
    }),
    [format, title, yMax],
  );
  const summary = last ? `${title}: ${data.length} values, latest ${format(last.y)} at step ${formatNumber(last.x)}.` : `${title}: ${emptyText}`;
  return (
    <figure className="minichart" data-testid={testId} data-points={data.length}>
      <figcaption className="minichart__title">
        {title}
        {last ? <span className="muted"> · {format(last.y)}</span> : null}
      </figcaption>
      {data.length ? (
        <div className="minichart__box">
          <Line
            data={chartData}
            options={options}
            role="img"
            aria-label={summary}
            fallbackContent={<p>{summary}</p>}
          />
        </div>
      ) : (
        <div className="minichart__empty">{emptyText}</div>
      )}
    </figure>
  );
}

const fmtPct = (v: number) => `${Math.round(v)}%`;
const fmtMb = (v: number) => (v >= 1024 ? `${(v / 1024).toFixed(1)} GB` : `${Math.round(v)} MB`);
const fmtTps = (v: number) => `${formatCompact(v)} tok/s`;

/** Learning rate, throughput and GPU charts from the same metric history as the loss curve.
 * GPU values are null on a CPU host: the charts say so instead of drawing zeros. */
export function TrainingCharts({ points, finished }: { points: MetricPoint[]; finished: boolean }) {
  const lr = useMemo(() => metricSeries(points, 'learning_rate'), [points]);
  const tps = useMemo(() => metricSeries(points, 'tokens_per_second'), [points]);
  const util = useMemo(() => metricSeries(points, 'gpu_utilization'), [points]);
  const mem = useMemo(() => metricSeries(points, 'gpu_memory_mb'), [points]);
  const none = finished ? 'Not logged by this job.' : 'Appears with the first logged steps.';
  const noGpu = points.length ? 'Not measured: no GPU on this job’s host (CPU).' : none;
  return (
    <div className="minicharts" data-testid="training-charts">
      <MiniChart title="Learning rate" testId="chart-lr" data={lr} color="#7c3aed" format={formatLearningRate} emptyText={none} />
      <MiniChart title="Throughput" testId="chart-tps" data={tps} color="#059669" format={fmtTps} emptyText={none} />
      <MiniChart title="GPU utilisation" testId="chart-gpu-util" data={util} color="#dc2626" format={fmtPct} emptyText={noGpu} yMax={100} />
      <MiniChart title="GPU memory" testId="chart-gpu-mem" data={mem} color="#d97706" format={fmtMb} emptyText={noGpu} />
    </div>
  );
}
