import { isNum } from './format';

/**
 * One money format per page: every amount of a job is shown with the same number of decimals,
 * chosen from the job's largest amount (cents from $1 up, 4 decimals below, where cents would
 * round a CPU run's spend to $0.00). Never "$0.0005" next to "$0.03".
 */
export function moneyDigits(amounts: (number | null | undefined)[]): 2 | 4 {
  const largest = Math.max(0, ...amounts.filter(isNum).map(Math.abs));
  return largest >= 1 ? 2 : 4;
}

export function formatMoney(n: number | null | undefined, digits: 2 | 4): string {
  if (!isNum(n)) return '—';
  return n.toLocaleString('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function formatMoneyRange(min: number | null | undefined, max: number | null | undefined, digits: 2 | 4): string {
  if (!isNum(min) || !isNum(max)) return '—';
  const a = formatMoney(min, digits);
  const b = formatMoney(max, digits);
  return a === b ? a : `${a}–${b.slice(1)}`;
}

/** The money formatter of one job page (cost tracker, banners, cancel dialog). */
export function jobMoney(cost: { current_spend: number; hourly_rate: number; estimate_min?: number | null; estimate_max?: number | null; projected_final?: number | null }) {
  const digits = moneyDigits([cost.current_spend, cost.hourly_rate, cost.estimate_min, cost.estimate_max, cost.projected_final]);
  return {
    digits,
    money: (n: number | null | undefined) => formatMoney(n, digits),
    range: (a: number | null | undefined, b: number | null | undefined) => formatMoneyRange(a, b, digits),
    rate: (n: number | null | undefined) => (isNum(n) ? `${formatMoney(n, digits)}/hr` : '—'),
  };
}
