import type { MetricPoint } from '../../../lib/api-types';
import { formatLearningRate, formatLoss, formatNumber, isNum } from '../../../lib/format';
import { useChangeFlash } from '../../../lib/hooks';
import { computeTrend, perplexity, type Trend, type ValPoint } from '../utils/trend';

interface Row {
  key: string;
  label: string;
  value: string;
  raw: number | null;
  trend: Trend | null;
  from?: string;
  note?: string;
}

export interface ValidationHistory {
  latest: ValPoint | null;
  previous: ValPoint | null;
}

/**
 * Rows of the metrics card. Validation only runs every N steps, so when the newest point has no
 * validation loss the last evaluated one (from the loss history) is shown with its step.
 */
export function buildMetricRows(latest: MetricPoint | null, previous: MetricPoint | null, validation?: ValidationHistory): Row[] {
  // GPU metrics are null (or absent) on CPU hosts: say so rather than showing 0.
  const gpuNull = latest !== null && !isNum(latest.gpu_utilization);
  let val: number | null = latest?.val_loss ?? null;
  let prevVal: number | null = previous?.val_loss ?? null;
  let valNote: string | undefined;
  if (!isNum(val) && validation?.latest) {
    val = validation.latest.value;
    prevVal = validation.previous?.value ?? null;
    valNote = `at step ${formatNumber(validation.latest.step)}`;
  } else if (isNum(val) && !isNum(prevVal) && validation?.previous && validation.latest?.value === val) {
    prevVal = validation.previous.value;
  }
  const ppl = latest ? perplexity(val, latest.train_loss) : null;
  const prevPpl = previous ? perplexity(isNum(val) ? prevVal : null, isNum(val) ? null : previous.train_loss) : null;
  return [
    {
      key: 'train_loss',
      label: 'Training Loss',
      value: formatLoss(latest?.train_loss),
      raw: latest?.train_loss ?? null,
      trend: computeTrend(latest?.train_loss, previous?.train_loss, 'lower'),
      from: isNum(previous?.train_loss) ? formatLoss(previous?.train_loss) : undefined,
    },
    {
      key: 'val_loss',
      label: 'Validation Loss',
      value: formatLoss(val),
      raw: val,
      trend: computeTrend(val, prevVal, 'lower'),
      from: isNum(prevVal) ? formatLoss(prevVal) : undefined,
      note: latest && !isNum(val) ? 'not evaluated yet' : valNote,
    },
    {
      key: 'perplexity',
      label: 'Perplexity',
      value: isNum(ppl) ? (ppl >= 1000 ? formatNumber(Math.round(ppl)) : ppl.toFixed(2)) : '—',
      raw: ppl,
      trend: computeTrend(ppl, prevPpl, 'lower'),
      note: isNum(ppl) ? (isNum(val) ? 'exp(validation loss)' : 'exp(training loss)') : undefined,
    },
    {
      key: 'learning_rate',
      label: 'Learning Rate',
      value: formatLearningRate(latest?.learning_rate),
      raw: latest?.learning_rate ?? null,
      trend: null,
    },
    {
      key: 'gpu_utilization',
      label: 'GPU Utilization',
      value: gpuNull ? 'n/a (CPU)' : isNum(latest?.gpu_utilization) ? `${Math.round(latest!.gpu_utilization!)}%` : '—',
      raw: latest?.gpu_utilization ?? null,
      trend: null,
      note: !gpuNull && isNum(latest?.gpu_memory_mb) ? `${formatNumber(Math.round(latest!.gpu_memory_mb! / 1024 * 10) / 10)} GB memory` : undefined,
    },
    {
      key: 'tokens_per_second',
      label: 'Throughput',
      value: isNum(latest?.tokens_per_second) ? `${formatNumber(Math.round(latest!.tokens_per_second!))} tokens/s` : '—',
      raw: latest?.tokens_per_second ?? null,
      trend: computeTrend(latest?.tokens_per_second, previous?.tokens_per_second, 'higher'),
    },
  ];
}

function MetricRow({ row }: { row: Row }) {
  const flash = useChangeFlash(row.raw);
  const trendText = row.trend
    ? `${row.trend.direction === 'flat' ? 'unchanged' : row.trend.direction === 'down' ? 'down' : 'up'}${row.trend.percent !== null ? ` ${Math.abs(row.trend.percent).toFixed(1)}%` : ''}${row.from ? ` from ${row.from}` : ''}`
    : '';
  return (
    <li className="metric" data-testid={`metric-${row.key}`}>
      <span className="metric__label">
        {row.label}
        {row.note ? <span className="cell-sub"> · {row.note}</span> : null}
      </span>
      <span className="metric__right">
        <span className={`metric__value${flash ? ' metric__value--flash' : ''}`}>{row.value}</span>
        {row.trend ? (
          <span className={`trend trend--${row.trend.tone}`} aria-label={trendText} title={row.from ? `from ${row.from}` : undefined}>
            {row.trend.text}
          </span>
        ) : null}
      </span>
    </li>
  );
}

export function MetricsTable({
  latest,
  previous,
  validation,
  finished = false,
}: {
  latest: MetricPoint | null;
  previous: MetricPoint | null;
  validation?: ValidationHistory;
  /** The job has ended: nothing more will be logged, so say what happened instead of "yet". */
  finished?: boolean;
}) {
  if (!latest) {
    return <p className="muted">{finished ? 'This job ended without logging any metrics.' : 'No metrics reported yet. They appear once training starts logging steps.'}</p>;
  }
  return (
    <>
      <ul className="metrics-list" aria-label="Current metrics">
        {buildMetricRows(latest, previous, validation).map((r) => (
          <MetricRow key={r.key} row={r} />
        ))}
      </ul>
      <p className="cell-sub">
        At step {formatNumber(latest.step)}
        {previous ? ` · trends vs step ${formatNumber(previous.step)}` : ''}
      </p>
    </>
  );
}
