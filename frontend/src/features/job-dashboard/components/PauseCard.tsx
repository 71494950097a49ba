import type { JobDetail } from '../../../lib/api-types';
import { formatDateTime, formatDuration, formatNumber } from '../../../lib/format';
import { jobMoney } from '../../../lib/money';
import { useNow } from '../../../lib/hooks';
import { AnomalyCard } from './AnomalyCard';

interface Props {
  job: JobDetail;
  onResume: () => void;
  onResumeWithSuggestion: () => void;
}

/** Who asked for the pause, in words. */
export function pausedBy(pause: NonNullable<JobDetail['pause']>): string {
  if (pause.requested_by) return pause.requested_by.display_name || pause.requested_by.username;
  if (pause.source === 'anomaly') return 'anomaly auto-pause';
  if (pause.source === 'budget') return 'budget cap';
  return 'the system';
}

/** The pause under way: "pausing at the next step" while the worker stops, then the paused job's card. */
export function PauseCard({ job, onResume, onResumeWithSuggestion }: Props) {
  const pause = job.pause;
  const now = useNow(1000, job.status === 'paused');
  if (!pause) return null;
  const canResume = job.allowed_actions.includes('resume');
  if (pause.state === 'requested') {
    return (
      <section className="card info-card info-card--yellow" data-testid="pause-requested-card">
        <div className="info-card__title">Pausing…</div>
        <div className="info-card__body">
          <p style={{ margin: 0 }}>
            Requested {formatDateTime(pause.requested_at)} by {pausedBy(pause)}
            {pause.reason && !pause.requested_by ? ` (${pause.reason})` : ''}. The worker saves a checkpoint at its next step boundary (after any
            checkpoint upload under way), then releases the GPU.
          </p>
        </div>
      </section>
    );
  }
  if (job.status !== 'paused') return null;
  if (pause.source === 'anomaly' && pause.anomaly) {
    return <AnomalyCard pause={pause} cost={job.cost} canResume={canResume} onResume={onResume} onResumeWithSuggestion={onResumeWithSuggestion} />;
  }
  const pausedFor = pause.paused_at ? (now - new Date(pause.paused_at).getTime()) / 1000 : null;
  return (
    <section className="card info-card info-card--yellow" data-testid="paused-card">
      <div className="row" style={{ justifyContent: 'space-between', alignItems: 'flex-start', gap: 16 }}>
        <div>
          <div className="info-card__title">‖ Training paused</div>
          <div className="info-card__body">
            <dl className="kv">
              <dt>Paused</dt>
              <dd data-testid="paused-at">
                {formatDateTime(pause.paused_at)} ({formatDuration(pausedFor)} ago)
              </dd>
              <dt>By</dt>
              <dd data-testid="paused-by">
                {pausedBy(pause)}
                {pause.source !== 'user' && pause.reason ? ` — ${pause.reason}` : ''}
              </dd>
              <dt>At step</dt>
              <dd data-testid="paused-step">
                {formatNumber(pause.step ?? 0)} of {formatNumber(job.progress.total_steps)} (checkpoint saved)
              </dd>
              <dt>Spend so far</dt>
              <dd data-testid="paused-spend">{jobMoney(job.cost).money(pause.spend)}</dd>
            </dl>
            <p className="small muted" style={{ margin: 0 }}>
              The GPU is released and nothing is billed while the job is paused.
            </p>
          </div>
        </div>
        {canResume ? (
          <button type="button" className="btn btn--primary" onClick={onResume} data-testid="paused-card-resume">
            ▶ Resume Training
          </button>
        ) : null}
      </div>
    </section>
  );
}
