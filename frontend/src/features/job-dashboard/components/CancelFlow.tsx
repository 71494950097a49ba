import { ApiError } from '../../../lib/api-client';
import type { JobDetail } from '../../../lib/api-types';
import { useToast } from '../../../components/Toast';
import { useCancelJob } from '../api/cancel-job';
import { CancelModal } from './CancelModal';
import { jobMoney } from '../../../lib/money';

interface Props {
  job: JobDetail;
  open: boolean;
  /** The job's elapsed seconds, shown in the dialog's summary (null before it started). */
  elapsedSeconds: number | null;
  onClose: () => void;
  /** The job changed under us (409): reload it so the page shows its real state. */
  onConflict: () => void;
}

/**
 * The cancel dialog and its request: success closes it with the final cost, a conflict closes it
 * and reloads the job, any other error stays in the dialog so the user can retry.
 */
export function CancelFlow({ job, open, elapsedSeconds, onClose, onConflict }: Props) {
  const toast = useToast();
  const cancel = useCancelJob();

  const confirmCancel = (reason: Parameters<typeof cancel.mutate>[0]['reason'], notes: string) => {
    cancel.mutate(
      { id: job.id, reason, notes },
      {
        onSuccess: (updated) => {
          onClose();
          toast.show(`Job cancelled. Final cost: ${jobMoney(updated.cost ?? job.cost).money(updated.cost?.current_spend ?? job.cost.current_spend)}`);
        },
        onError: (e) => {
          if (e instanceof ApiError && e.status === 409) {
            onClose();
            toast.show(`Could not cancel: ${e.message}`, 'error');
            onConflict();
          }
        },
      },
    );
  };

  // The dialog only makes sense while the API still allows the cancel.
  if (!open || !job.allowed_actions.includes('cancel')) return null;
  return (
    <CancelModal
      job={job}
      elapsedSeconds={elapsedSeconds}
      submitting={cancel.isPending}
      error={cancel.error}
      onConfirm={confirmCancel}
      onClose={() => {
        onClose();
        cancel.reset();
      }}
    />
  );
}
