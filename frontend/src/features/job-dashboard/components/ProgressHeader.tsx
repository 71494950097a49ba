import { Badge } from '../../../components/Badge';
import { ProgressBar } from '../../../components/ProgressBar';
import type { JobDetail } from '../../../lib/api-types';
import { formatDuration, formatNumber } from '../../../lib/format';
import { useNow } from '../../../lib/hooks';
import { STAGE_LABELS, STATUS_META, isTerminal } from '../../../lib/status';
import { liveElapsedSeconds } from '../utils/elapsed';
import { liveRemainingSeconds } from '../utils/figures';

/** `stale`: the data could not be refreshed (offline, server unreachable): the clocks stop at
 * the last measured state instead of ticking on as if the job were still observed. */
export function ProgressHeader({ job, fetchedAt, stale = false }: { job: JobDetail; fetchedAt: number; stale?: boolean }) {
  const running = job.status === 'running' || job.status === 'provisioning' || job.status === 'cancelling';
  const ticking = running && !stale;
  const now = useNow(1000, ticking);
  const elapsed = liveElapsedSeconds(job.timing.elapsed_seconds, fetchedAt, now, ticking);
  const remaining = liveRemainingSeconds(job.timing.remaining_seconds, fetchedAt, now, ticking);
  const pct = Math.max(0, Math.min(100, job.progress.percent ?? job.percent_complete ?? 0));
  const totalSteps = job.progress.total_steps;
  const done = job.status === 'completed';
  const paused = job.status === 'paused';
  // Finished jobs show their outcome; live ones the stage they are in; a paused job says it is
  // paused first (nothing runs) and then the stage it stopped in, which it resumes from.
  const stageLabel = isTerminal(job.status) || !job.stage ? STATUS_META[job.status].label : STAGE_LABELS[job.stage];
  const badgeText = job.recovering ? `Recovering · ${stageLabel}` : paused && job.stage ? `${STATUS_META.paused.label} · ${stageLabel}` : stageLabel;
  const tone = job.status === 'failed' ? 'red' : job.status === 'cancelled' || job.status === 'cancelling' ? 'orange' : done ? 'green' : paused ? STATUS_META.paused.tone : 'blue';
  return (
    <section className="card progress-card" aria-label="Training progress" data-testid="progress-header">
      <div className="progress-card__top">
        <div className="progress-card__pct" data-testid="progress-percent">
          {pct.toFixed(pct > 0 && pct < 10 ? 1 : 0)}%<small>{done ? 'Complete' : 'complete'}</small>
        </div>
        <Badge
          tone={job.recovering ? 'yellow' : tone}
          icon={job.recovering ? '↻' : job.status === 'running' ? '▶' : paused ? STATUS_META.paused.icon : undefined}
          pulse={job.status === 'running'}
          label={paused ? `Paused${job.stage ? ` in stage: ${stageLabel}` : ''}` : `Current stage: ${job.recovering ? 'Recovering' : stageLabel}`}
          testId="stage-badge"
        >
          {badgeText}
        </Badge>
      </div>
      <ProgressBar value={pct} size="lg" tone={tone} label="Overall progress" valueText={`${Math.round(pct)}% complete`} striped={job.status === 'running'} />
      <div className="progress-card__stats">
        <div>
          <div className="stat__label">Steps</div>
          <div className="stat__value" data-testid="step-counter">
            {totalSteps ? `Step ${formatNumber(job.progress.current_step)} of ${formatNumber(totalSteps)}` : job.progress.current_step ? `Step ${formatNumber(job.progress.current_step)}` : '—'}
          </div>
        </div>
        <div>
          <div className="stat__label">Epoch</div>
          <div className="stat__value" data-testid="epoch-counter">
            {job.progress.total_epochs ? `Epoch ${formatNumber(Math.max(1, job.progress.current_epoch ?? 1))} of ${formatNumber(job.progress.total_epochs)}` : '—'}
          </div>
        </div>
        <div>
          <div className="stat__label">Elapsed</div>
          <div className="stat__value" data-testid="elapsed">
            {elapsed === null ? '—' : formatDuration(elapsed)}
          </div>
        </div>
        <div>
          <div className="stat__label">Remaining</div>
          <div className="stat__value" data-testid="remaining">
            {done ? 'Done' : remaining === null || !running ? '—' : `~${formatDuration(remaining)}`}
          </div>
        </div>
      </div>
    </section>
  );
}
