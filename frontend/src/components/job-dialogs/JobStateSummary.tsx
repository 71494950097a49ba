import type { ReactNode } from 'react';
import { Badge } from '../Badge';
import { ProgressBar } from '../ProgressBar';
import type { JobDetail } from '../../lib/api-types';
import { formatNumber } from '../../lib/format';
import { STAGE_LABELS, STATUS_META } from '../../lib/status';
import { jobMoney } from '../../lib/money';

interface Props {
  job: JobDetail;
  /** The spend's label ("Cost spent", "Spend so far"). */
  spendLabel: string;
  spendTestId?: string;
  testId?: string;
  /** The figure on the right of the spend (elapsed time, checkpoints saved). */
  aside?: ReactNode;
}

/** The job as it stands, at the top of the cancel and pause dialogs: name, stage, progress and
 * spend (in the job page's one money format). */
export function JobStateSummary({ job, spendLabel, spendTestId, testId, aside }: Props) {
  const pct = Math.round(job.progress.percent ?? job.percent_complete);
  const total = job.progress.total_steps;
  const stageLabel = job.stage ? STAGE_LABELS[job.stage] : STATUS_META[job.status].label;
  // A paused job is not in its stage any more: it waits there to be resumed (e.g. cancelling it).
  const paused = job.status === 'paused';
  return (
    <div className="card" style={{ padding: 14, boxShadow: 'none', background: 'var(--surface-2)' }} data-testid={testId}>
      <div className="row" style={{ justifyContent: 'space-between' }}>
        <strong>{job.name}</strong>
        <Badge tone={paused ? STATUS_META.paused.tone : 'blue'} testId="job-state-badge">
          {paused && job.stage ? `${STATUS_META.paused.label} · ${stageLabel}` : stageLabel}
        </Badge>
      </div>
      <div style={{ margin: '10px 0 6px' }} className="small">
        {pct}% Complete{total ? ` (Step ${formatNumber(job.progress.current_step)} of ${formatNumber(total)})` : ''}
      </div>
      <ProgressBar value={pct} label="Job progress" valueText={`${pct}% complete`} />
      <div className="row" style={{ justifyContent: 'space-between', marginTop: 12, alignItems: 'flex-end' }}>
        <div>
          <div className="stat__label">{spendLabel}</div>
          <div className="cost__spend" data-testid={spendTestId}>
            {jobMoney(job.cost).money(job.cost.current_spend)}
          </div>
        </div>
        {aside ? <div style={{ textAlign: 'right' }}>{aside}</div> : null}
      </div>
    </div>
  );
}
