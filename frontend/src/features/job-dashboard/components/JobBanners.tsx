import { errorMessage } from '../../../lib/api-client';
import type { JobDetail } from '../../../lib/api-types';
import { isTerminal } from '../../../lib/status';
import { CancelledCard, CompletedCard, CostAlertBanner, ErrorCard, QueuedCard, RecoveringBanner } from './StatusCards';

/** After this long in "cancelling" the worker has probably not received the stop signal yet. */
export const CANCEL_TIMEOUT_WARNING_S = 120;

interface Props {
  job: JobDetail;
  /** The last refresh's error while older data is still shown (null when the last refresh worked). */
  refreshError: unknown;
  onRetry: () => void;
  /** Seconds since the cancel was requested, while the job is cancelling (null otherwise). */
  cancelWaitingS: number | null;
  canCancel: boolean;
  onCancel: () => void;
}

/** The alerts and status cards above the job's progress: stale data, slow cancel, recovery, cost, outcome. */
export function JobBanners({ job, refreshError, onRetry, cancelWaitingS, canCancel, onCancel }: Props) {
  return (
    <>
      {refreshError ? (
        <div className="alert alert--warning" role="alert">
          <div className="alert__body">Showing the last data we have — refreshing failed: {errorMessage(refreshError)}</div>
          <button type="button" className="btn btn--secondary btn--sm" onClick={onRetry}>
            Retry
          </button>
        </div>
      ) : null}
      {cancelWaitingS !== null && cancelWaitingS > CANCEL_TIMEOUT_WARNING_S ? (
        <div className="alert alert--warning" role="status" data-testid="cancel-timeout-warning">
          <div className="alert__body">
            <div className="alert__title">Still stopping…</div>
            The worker has not confirmed termination yet. It stops at its next heartbeat; if the worker was lost, the job is marked cancelled when its lease expires. Billing stops when the GPU is released.
          </div>
        </div>
      ) : null}
      {job.recovering && !isTerminal(job.status) ? <RecoveringBanner job={job} /> : null}
      {/* Advice to cancel only makes sense while the job still runs. */}
      {job.cost.over_estimate && !isTerminal(job.status) ? <CostAlertBanner job={job} canCancel={canCancel} onCancel={onCancel} /> : null}
      {job.status === 'failed' ? <ErrorCard job={job} /> : null}
      {job.status === 'cancelled' || job.status === 'cancelling' ? <CancelledCard job={job} /> : null}
      {job.status === 'queued' ? <QueuedCard job={job} /> : null}
      {job.status === 'completed' ? <CompletedCard job={job} /> : null}
    </>
  );
}
