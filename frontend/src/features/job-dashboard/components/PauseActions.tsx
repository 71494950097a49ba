import { Spinner } from '../../../components/Spinner';
import { PAUSE_ORANGE } from '../../../components/job-dialogs/PauseModal';
import type { JobDetail } from '../../../lib/api-types';

interface Props {
  job: JobDetail;
  onPause: () => void;
  onResume: () => void;
}

/** Why Pause is disabled while the job runs but is not in its training stage. */
export function pauseDisabledReason(job: Pick<JobDetail, 'status' | 'stage' | 'allowed_actions'>): string | null {
  if (job.status !== 'running' || job.allowed_actions.includes('pause') || !job.allowed_actions.includes('cancel')) return null;
  if (job.stage === 'finalization') return 'Training has finished; the adapter is being saved.';
  return 'A job can be paused during its training stage.';
}

/** The header's Pause Job / Resume Training buttons, or the "Pausing…" indicator while the worker stops. */
export function PauseActions({ job, onPause, onResume }: Props) {
  if (job.status === 'running' && job.pause?.state === 'requested') {
    return (
      <span className="status-indicator" data-testid="job-pausing-indicator">
        <Spinner label="Pausing" size={14} /> Pausing at the next step…
      </span>
    );
  }
  if (job.allowed_actions.includes('resume')) {
    return (
      <button type="button" className="btn btn--primary" onClick={onResume} data-testid="resume-job-button">
        ▶ Resume Training
      </button>
    );
  }
  const disabledReason = pauseDisabledReason(job);
  if (!job.allowed_actions.includes('pause') && !disabledReason) return null;
  return (
    <button
      type="button"
      className="btn"
      style={{ background: PAUSE_ORANGE, color: '#fff', opacity: disabledReason ? 0.55 : 1 }}
      onClick={onPause}
      disabled={!!disabledReason}
      title={disabledReason ?? 'Save a checkpoint and release the GPU; resume later'}
      data-testid="pause-job-button"
    >
      ‖ Pause Job
    </button>
  );
}
