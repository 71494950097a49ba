import { isNum } from '../../../lib/format';

export type TrendDirection = 'up' | 'down' | 'flat';
export type TrendTone = 'good' | 'bad' | 'neutral';

export interface Trend {
  direction: TrendDirection;
  tone: TrendTone;
  arrow: '↑' | '↓' | '→';
  /** Signed percent change vs previous (null when flat or not comparable). */
  percent: number | null;
  text: string;
}

/** Relative changes below this (in %) count as unchanged. */
export const FLAT_THRESHOLD_PERCENT = 0.05;

/**
 * Trend of a metric vs its previous value. For losses lower is better (↓ green, ↑ red);
 * for throughput higher is better; `neutral` metrics (learning rate) are never coloured.
 */
export function computeTrend(
  current: number | null | undefined,
  previous: number | null | undefined,
  better: 'lower' | 'higher' | 'neutral' = 'lower',
): Trend | null {
  if (!isNum(current) || !isNum(previous)) return null;
  const pct = previous === 0 ? (current === 0 ? 0 : null) : ((current - previous) / Math.abs(previous)) * 100;
  if (pct === null) {
    const direction: TrendDirection = current > previous ? 'up' : 'down';
    return make(direction, better, null);
  }
  if (Math.abs(pct) < FLAT_THRESHOLD_PERCENT) return { direction: 'flat', tone: 'neutral', arrow: '→', percent: null, text: 'No change' };
  return make(pct > 0 ? 'up' : 'down', better, pct);
}

function make(direction: 'up' | 'down', better: 'lower' | 'higher' | 'neutral', percent: number | null): Trend {
  const good = better === 'neutral' ? null : (direction === 'down') === (better === 'lower');
  const tone: TrendTone = good === null ? 'neutral' : good ? 'good' : 'bad';
  const arrow = direction === 'up' ? '↑' : '↓';
  const pctText = percent === null ? '' : ` ${percent > 0 ? '+' : '−'}${Math.abs(percent).toFixed(1)}%`;
  return { direction, tone, arrow, percent, text: `${arrow}${pctText}`.trim() };
}

export interface ValPoint {
  step: number;
  value: number;
}

/** The last two validation losses in the history (validation runs only every N steps). */
export function lastValidation(points: { step: number; val_loss: number | null }[]): { latest: ValPoint | null; previous: ValPoint | null } {
  let latest: ValPoint | null = null;
  let previous: ValPoint | null = null;
  for (let i = points.length - 1; i >= 0 && !previous; i--) {
    const v = points[i].val_loss;
    if (!isNum(v)) continue;
    if (!latest) latest = { step: points[i].step, value: v };
    else previous = { step: points[i].step, value: v };
  }
  return { latest, previous };
}

/** exp(loss), using validation loss when known, else training loss. Null when neither is. */
export function perplexity(valLoss: number | null | undefined, trainLoss: number | null | undefined): number | null {
  const loss = isNum(valLoss) ? valLoss : isNum(trainLoss) ? trainLoss : null;
  if (loss === null) return null;
  const p = Math.exp(loss);
  return Number.isFinite(p) ? p : null;
}
