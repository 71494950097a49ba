import type { JobDetail } from '../../lib/api-types';
import { jobMoney } from '../../lib/money';
import { useToast } from '../Toast';
import { useCancelJob, type CancelInput } from '../../api/cancel-job';
import { CancelModal } from './CancelModal';

interface Props {
  job: JobDetail;
  /** Whether the dialog shows. The request outlives a close (it is this component's), so a caller
   *  that hides the dialog mid-request (e.g. the job no longer allows a cancel) still gets its
   *  success toast: keep this mounted and pass open instead of unmounting it. */
  open: boolean;
  /** The job's elapsed seconds, shown in the dialog's summary (null before it started). */
  elapsedSeconds: number | null;
  onClose: () => void;
  /** A refused cancel. Its error stays in the dialog (so the user can retry or read why)
   *  unless the caller closes it with `close`. */
  onError?: (error: unknown, close: () => void) => void;
}

/**
 * The cancel dialog and its request, for the job page and the jobs list alike: success closes it
 * with the final cost in a toast (the request refreshes the job, the lists and the queue); what a
 * refusal does is the caller's, by default the API's message stays in the dialog.
 */
export function CancelDialog({ job, open, elapsedSeconds, onClose, onError }: Props) {
  const toast = useToast();
  const cancel = useCancelJob();
  // Reset on close so a later dialog does not open on this one's error.
  const close = () => {
    onClose();
    cancel.reset();
  };

  const confirm = (reason: CancelInput['reason'], notes: string) =>
    cancel.mutate(
      { id: job.id, reason, notes },
      {
        onSuccess: (updated) => {
          close();
          toast.show(`Job cancelled. Final cost: ${jobMoney(updated.cost ?? job.cost).money(updated.cost?.current_spend ?? job.cost.current_spend)}`);
        },
        onError: (e) => onError?.(e, close),
      },
    );

  if (!open) return null;
  return <CancelModal job={job} elapsedSeconds={elapsedSeconds} submitting={cancel.isPending} error={cancel.error} onConfirm={confirm} onClose={close} />;
}
