import type { Tone } from '../lib/status';

interface ProgressBarProps {
  value: number;
  max?: number;
  tone?: Tone;
  label: string;
  valueText?: string;
  size?: 'sm' | 'md' | 'lg';
  striped?: boolean;
  testId?: string;
}

export function ProgressBar({ value, max = 100, tone = 'blue', label, valueText, size = 'md', striped, testId }: ProgressBarProps) {
  const pct = max > 0 ? Math.min(100, Math.max(0, (value / max) * 100)) : 0;
  return (
    <div
      className={`progress progress--${size}`}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={Math.round(pct)}
      aria-valuetext={valueText}
      data-testid={testId}
    >
      <div className={`progress__fill tone-bg--${tone}${striped ? ' progress__fill--striped' : ''}`} style={{ width: `${pct}%` }} />
    </div>
  );
}
