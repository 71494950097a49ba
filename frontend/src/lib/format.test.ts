import { describe, expect, it } from 'vitest';
import {
  formatBytes,
  formatCountdown,
  formatCurrency,
  formatCurrencyRange,
  formatDayTime,
  formatDuration,
  formatEstimatedStart,
  formatLearningRate,
  formatLoss,
  formatNumber,
  formatValue,
} from './format';

describe('formatters', () => {
  it('formats money', () => {
    expect(formatCurrency(22.18)).toBe('$22.18');
    expect(formatCurrency(1234.5)).toBe('$1,234.50');
    expect(formatCurrency(null)).toBe('—');
    expect(formatCurrencyRange(45.2, 55.4)).toBe('$45–55');
    expect(formatCurrencyRange(0.12, 0.18)).toBe('$0.12–0.18');
    expect(formatCurrencyRange(null, 5)).toBe('—');
    expect(formatCurrency(0.0042)).toBe('$0.0042');
    expect(formatCurrency(0)).toBe('$0.00');
    expect(formatCurrencyRange(0.0012, 0.0018)).toBe('$0.0012–0.0018');
  });

  it('formats durations', () => {
    expect(formatDuration(45)).toBe('45s');
    expect(formatDuration(222)).toBe('3m 42s');
    expect(formatDuration(6 * 3600 + 23 * 60 + 5)).toBe('6h 23m');
    expect(formatDuration(2 * 86400 + 4 * 3600)).toBe('2d 4h');
    expect(formatDuration(null)).toBe('—');
    expect(formatDuration(-5)).toBe('0s');
    expect(formatDuration(0.04)).toBe('<1s');
    expect(formatDuration(0)).toBe('0s');
  });

  it('formats countdowns with seconds under an hour', () => {
    expect(formatCountdown(3 * 3600 + 20 * 60 + 9)).toBe('3h 20m');
    expect(formatCountdown(12 * 60 + 5)).toBe('12m 05s');
    expect(formatCountdown(9)).toBe('9s');
    expect(formatCountdown(-1)).toBe('0s');
  });

  it('formats day + time relative to now', () => {
    const now = new Date(2026, 10, 29, 15, 25, 0);
    expect(formatDayTime(new Date(2026, 10, 29, 18, 45).toISOString(), now)).toBe('Today at 6:45 PM');
    expect(formatDayTime(new Date(2026, 10, 30, 9, 0).toISOString(), now)).toBe('Tomorrow at 9:00 AM');
    expect(formatDayTime(new Date(2026, 10, 28, 9, 0).toISOString(), now)).toBe('Yesterday at 9:00 AM');
    expect(formatDayTime(new Date(2026, 10, 3, 13, 15).toISOString(), now)).toBe('Nov 3 at 1:15 PM');
    expect(formatDayTime(null, now)).toBe('—');
  });

  it('formats estimated start with a countdown', () => {
    const now = new Date(2026, 10, 29, 15, 25, 0).getTime();
    const start = new Date(2026, 10, 29, 18, 45, 0).toISOString();
    expect(formatEstimatedStart(start, now)).toBe('Today at 6:45 PM (in 3h 20m)');
    expect(formatEstimatedStart(start, now + 3 * 3600 * 1000 + 19 * 60 * 1000)).toBe('Today at 6:45 PM (in 1m 00s)');
    expect(formatEstimatedStart(start, now + 4 * 3600 * 1000)).toBe('Starting soon');
    expect(formatEstimatedStart(null, now)).toBe('Unknown (no worker of this type online)');
  });

  it('formats numbers, losses, learning rates and bytes', () => {
    expect(formatNumber(2000)).toBe('2,000');
    expect(formatLoss(0.34217)).toBe('0.342');
    expect(formatLoss(null)).toBe('—');
    expect(formatLearningRate(0.000182)).toBe('0.000182');
    expect(formatLearningRate(0.0002)).toBe('0.0002');
    expect(formatLearningRate(1.5e-7)).toBe('1.50e-7');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatValue(['q_proj', 'v_proj'])).toBe('q_proj, v_proj');
    expect(formatValue({ a: 1 })).toBe('{"a":1}');
    expect(formatValue(null)).toBe('—');
  });
});
