import type { MetricPoint } from '../../../lib/api-types';
import { formatLoss, isNum } from '../../../lib/format';

export const ZOOM_IN_WINDOW_STEPS = 500;

/** Merges incremental points into the sorted history; a newer value for a step replaces the old one. */
export function mergePoints(existing: MetricPoint[], incoming: MetricPoint[]): MetricPoint[] {
  if (incoming.length === 0) return existing;
  const byStep = new Map<number, MetricPoint>();
  for (const p of existing) byStep.set(p.step, p);
  for (const p of incoming) byStep.set(p.step, p);
  return Array.from(byStep.values()).sort((a, b) => a.step - b.step);
}

export interface XY {
  x: number;
  y: number | null;
}

/** Same-length series (one entry per step) so Chart.js "index" tooltips line up; gaps are null. */
export function lossSeries(points: MetricPoint[]): { train: XY[]; val: XY[]; hasVal: boolean; hasTrain: boolean } {
  const train: XY[] = [];
  const val: XY[] = [];
  let hasVal = false;
  let hasTrain = false;
  for (const p of points) {
    const t = isNum(p.train_loss) ? p.train_loss : null;
    const v = isNum(p.val_loss) ? p.val_loss : null;
    if (t === null && v === null) continue;
    if (t !== null) hasTrain = true;
    if (v !== null) hasVal = true;
    train.push({ x: p.step, y: t });
    val.push({ x: p.step, y: v });
  }
  return { train, val, hasVal, hasTrain };
}

/**
 * "Step X: Training Loss Y.YYY, Validation Loss Z.ZZZ". Validation runs every N steps, so between
 * evaluations the last one is shown with its step ("… (step 800)").
 */
export function tooltipText(step: number, train: number | null | undefined, val: number | null | undefined, valStep?: number): string {
  const parts: string[] = [];
  if (isNum(train)) parts.push(`Training Loss ${train.toFixed(3)}`);
  if (isNum(val)) parts.push(`Validation Loss ${val.toFixed(3)}${valStep !== undefined && valStep !== step ? ` (step ${valStep.toLocaleString('en-US')})` : ''}`);
  return `Step ${step.toLocaleString('en-US')}: ${parts.join(', ') || 'no loss recorded'}`;
}

/** The validation point at index i, or the last one before it. */
export function lastValAtOrBefore(val: XY[], i: number): XY | null {
  for (let k = Math.min(i, val.length - 1); k >= 0; k--) if (val[k].y !== null) return val[k];
  return null;
}

/** x-range for "Zoom In": the last 500 steps, or the later half of a shorter curve (the step
 * axis ends at the current step, so zooming must always narrow what is shown). */
export function zoomInWindow(points: { x: number }[], window = ZOOM_IN_WINDOW_STEPS): { min: number; max: number } | null {
  if (points.length < 2) return null;
  const first = points[0].x;
  const last = points[points.length - 1].x;
  if (last <= first) return null;
  return { min: last - Math.min(window, (last - first) / 2), max: last };
}

/** Screen-reader summary of the loss curve. */
export function chartSummary(points: MetricPoint[]): string {
  const { train, val } = lossSeries(points);
  if (train.length === 0) return 'Loss curve: no loss values recorded yet.';
  const lastTrain = [...train].reverse().find((p) => p.y !== null);
  const firstTrain = train.find((p) => p.y !== null);
  const lastVal = [...val].reverse().find((p) => p.y !== null);
  let s = `Loss curve over ${train.length.toLocaleString('en-US')} logged steps (step ${train[0].x} to ${train[train.length - 1].x}).`;
  if (firstTrain && lastTrain) s += ` Training loss went from ${formatLoss(firstTrain.y)} to ${formatLoss(lastTrain.y)} at step ${lastTrain.x}.`;
  if (lastVal) s += ` Latest validation loss ${formatLoss(lastVal.y)} at step ${lastVal.x}.`;
  return s;
}

/**
 * Exponential moving average with bias correction (as TensorBoard smooths): `weight` 0 is the
 * raw series, 0.99 nearly flat. Gaps stay gaps and do not reset the average.
 */
export function emaSmooth(series: XY[], weight: number): XY[] {
  const w = Math.min(Math.max(weight, 0), 0.999);
  if (w === 0) return series;
  let last = 0;
  let n = 0;
  return series.map((p) => {
    if (p.y === null || !Number.isFinite(p.y)) return { x: p.x, y: null };
    last = last * w + (1 - w) * p.y;
    n += 1;
    return { x: p.x, y: last / (1 - w ** n) };
  });
}

/**
 * Right end of the step axis: the current step (or the last logged one, if later) so the curve
 * fills the chart; the whole planned run only when asked for (`planned`).
 */
export function xAxisMax(opts: { currentStep?: number | null; lastStep: number | null; totalSteps?: number | null; planned: boolean }): number | undefined {
  const reached = Math.max(opts.currentStep ?? 0, opts.lastStep ?? 0);
  if (opts.planned && opts.totalSteps && opts.totalSteps >= reached) return opts.totalSteps;
  return reached > 0 ? reached : undefined;
}

type SeriesField = 'learning_rate' | 'tokens_per_second' | 'gpu_utilization' | 'gpu_memory_mb' | 'grad_norm';

/** One measured field as chart points; steps where it was not measured are left out. */
export function metricSeries(points: MetricPoint[], field: SeriesField): { x: number; y: number }[] {
  const out: { x: number; y: number }[] = [];
  for (const p of points) {
    const v = p[field];
    if (isNum(v)) out.push({ x: p.step, y: v });
  }
  return out;
}
