import { isNum } from '../../../lib/format';
import type { Tone } from '../../../lib/status';

/** Percent of the estimate's upper bound spent so far (null when there is no estimate). */
export function costPercent(currentSpend: number, estimateMax: number | null | undefined, apiPercent?: number | null): number | null {
  if (isNum(apiPercent)) return apiPercent;
  if (!isNum(estimateMax) || estimateMax <= 0) return null;
  return (currentSpend / estimateMax) * 100;
}

/** Cost bar colour: green under 80 %, yellow 80–100 %, red over 100 % of the estimate. */
export function costTone(percent: number | null): Tone {
  if (percent === null) return 'blue';
  if (percent > 100) return 'red';
  if (percent >= 80) return 'yellow';
  return 'green';
}
