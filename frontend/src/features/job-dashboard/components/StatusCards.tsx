import { Badge } from '../../../components/Badge';
import type { JobDetail } from '../../../lib/api-types';
import { formatBytes, formatDateTime, formatEstimatedStart, formatNumber } from '../../../lib/format';
import { useNow } from '../../../lib/hooks';
import { CANCEL_REASONS, ERROR_CATEGORY_LABELS, humanize, isTerminal, positionTone } from '../../../lib/status';
import { jobMoney } from '../../../lib/money';

export function ErrorCard({ job }: { job: JobDetail }) {
  const err = job.error;
  const category = err ? (ERROR_CATEGORY_LABELS[err.category] ?? humanize(err.category)) : 'Unknown error';
  return (
    <section className="card info-card info-card--red" role="alert" data-testid="error-card">
      <div className="info-card__title">
        <span aria-hidden="true">✕</span> Training failed: {category}
        {err ? <Badge tone={err.is_user_error ? 'yellow' : 'red'}>{err.is_user_error ? 'Needs a fix on your side' : 'Infrastructure problem'}</Badge> : null}
      </div>
      <div className="info-card__body">
        <p>{err?.message ?? 'The job failed without an error message. Check the event log for details.'}</p>
        {err?.step !== null && err?.step !== undefined ? <p className="small">At step {formatNumber(err.step)}.</p> : null}
        <p className="small muted">
          {err?.is_user_error
            ? 'Fix the dataset or configuration and create a new job. Metrics and logs up to the failure are kept below.'
            : 'This was not caused by your configuration; creating the job again usually works. Partial metrics and logs are kept below.'}
        </p>
      </div>
    </section>
  );
}

export function CancelledCard({ job }: { job: JobDetail }) {
  const c = job.cancel;
  const reason = c ? (CANCEL_REASONS.find((r) => r.value === c.reason)?.label ?? humanize(String(c.reason))) : null;
  const pending = job.status === 'cancelling';
  return (
    <section className="card info-card info-card--orange" data-testid="cancelled-card">
      <div className="info-card__title">
        <span aria-hidden="true">⊘</span> {pending ? 'Cancellation requested — stopping at the next step' : 'This job was cancelled'}
      </div>
      <div className="info-card__body">
        {c ? (
          <p>
            {reason ? <>Reason: <strong>{reason}</strong>. </> : null}
            {c.cancelled_by ? `By ${c.cancelled_by.display_name || c.cancelled_by.username}` : ''}
            {c.cancelled_at ? ` on ${formatDateTime(c.cancelled_at)}` : c.requested_at ? ` on ${formatDateTime(c.requested_at)}` : ''}.
          </p>
        ) : null}
        {c?.notes ? <p className="small">“{c.notes}”</p> : null}
        <p className="small muted">Metrics, logs and checkpoints recorded before the cancellation stay available.</p>
      </div>
    </section>
  );
}

export function QueuedCard({ job }: { job: JobDetail }) {
  const now = useNow(1000);
  const pos = job.queue?.position ?? job.queue_position;
  return (
    <section className="card info-card info-card--blue" data-testid="queued-card">
      <div className="row" style={{ gap: 16, alignItems: 'center' }}>
        {pos ? (
          <Badge tone={positionTone(pos)} className="queue-card__pos" label={`Queue position ${pos}`} testId="position-badge">
            #{pos}
          </Badge>
        ) : null}
        <div>
          <div className="info-card__title">{job.recovering ? 'Waiting to resume from its last checkpoint' : 'Waiting in the queue'}</div>
          <div className="info-card__body">
            {job.queue?.reason ? <p data-testid="queue-reason">{job.queue.reason}</p> : null}
            <p data-testid="estimated-start">Est. Start: {formatEstimatedStart(job.queue?.estimated_start_at ?? null, now)}</p>
            <p className="small muted">No cost is billed while a job is queued.</p>
          </div>
        </div>
      </div>
    </section>
  );
}

export function CompletedCard({ job }: { job: JobDetail }) {
  const a = job.adapter;
  return (
    <section className="card info-card info-card--green" data-testid="completed-card">
      <div className="info-card__title">
        <span aria-hidden="true">✓</span> Training completed{job.finished_at ? ` ${formatDateTime(job.finished_at)}` : ''}
      </div>
      <div className="info-card__body">
        {a?.available && a.download_url ? (
          <div className="row">
            <a className="btn btn--primary btn--sm" href={a.download_url} download>
              ⤓ Download LoRA adapter
            </a>
            <span className="small muted">
              {formatBytes(a.size_bytes)}
              {a.sha256 ? <> · sha256 <span className="mono">{a.sha256.slice(0, 12)}…</span></> : null}
            </span>
          </div>
        ) : (
          <p className="small muted">The adapter is not available for download.</p>
        )}
      </div>
    </section>
  );
}

export function RecoveringBanner({ job }: { job: JobDetail }) {
  return (
    <div className="alert alert--warning" role="status" data-testid="recovering-banner">
      <span className="alert__icon" aria-hidden="true">
        ↻
      </span>
      <div className="alert__body">
        <div className="alert__title">Recovering from checkpoint…</div>
        The worker running this job was lost. It resumes from its last saved checkpoint (attempt {job.attempt}); steps after that checkpoint are re-run.
      </div>
    </div>
  );
}

export function CostAlertBanner({ job, canCancel, onCancel }: { job: JobDetail; canCancel: boolean; onCancel: () => void }) {
  const finished = isTerminal(job.status);
  return (
    <div className="alert alert--error" role="alert" data-testid="cost-alert">
      <span className="alert__icon" aria-hidden="true">
        $
      </span>
      <div className="alert__body">
        <div className="alert__title">{finished ? 'Final cost exceeded the estimate' : 'Cost is over the estimate'}</div>
        {finished
          ? `${jobMoney(job.cost).money(job.cost.current_spend)} spent against an estimated maximum of ${jobMoney(job.cost).money(job.cost.estimate_max)}.`
          : `Spend (${jobMoney(job.cost).money(job.cost.current_spend)}) is above the estimated maximum of ${jobMoney(job.cost).money(job.cost.estimate_max)}. Check the loss curve, and cancel if the job is not converging.`}
      </div>
      {canCancel ? (
        <button type="button" className="btn btn--danger btn--sm" onClick={onCancel}>
          Cancel Job
        </button>
      ) : null}
    </div>
  );
}
