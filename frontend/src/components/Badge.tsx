import type { ReactNode } from 'react';
import type { JobStatus } from '../lib/api-types';
import { STATUS_META, type Tone } from '../lib/status';

interface BadgeProps {
  tone: Tone;
  children: ReactNode;
  icon?: string;
  pulse?: boolean;
  label?: string;
  className?: string;
  testId?: string;
}

export function Badge({ tone, children, icon, pulse, label, className, testId }: BadgeProps) {
  return (
    <span
      className={`badge badge--${tone}${pulse ? ' badge--pulse' : ''}${className ? ` ${className}` : ''}`}
      aria-label={label}
      data-testid={testId}
    >
      {icon ? (
        <span className="badge__icon" aria-hidden="true">
          {icon}
        </span>
      ) : null}
      {children}
    </span>
  );
}

export function StatusBadge({ status, recovering }: { status: JobStatus; recovering?: boolean }) {
  const meta = STATUS_META[status] ?? { label: status, tone: 'grey' as Tone, icon: '' };
  if (recovering && (status === 'queued' || status === 'provisioning' || status === 'running')) {
    return (
      <Badge tone="yellow" icon="↻" label={`Status: ${meta.label}, recovering`} testId="status-badge">
        {meta.label} · Recovering
      </Badge>
    );
  }
  return (
    <Badge
      tone={meta.tone}
      icon={meta.icon}
      pulse={status === 'running' || status === 'provisioning'}
      label={`Status: ${meta.label}`}
      testId="status-badge"
    >
      {meta.label}
    </Badge>
  );
}
