import { ApiError } from '../../../lib/api-client';
import type { JobDetail } from '../../../lib/api-types';
import { useToast } from '../../../components/Toast';
import { CancelDialog } from '../../../components/job-dialogs/CancelDialog';

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
 * The job page's cancel dialog: success closes it with the final cost, a conflict closes it
 * and reloads the job (the page around it then shows the real state), any other error stays in
 * the dialog so the user can retry.
 */
export function CancelFlow({ job, open, elapsedSeconds, onClose, onConflict }: Props) {
  const toast = useToast();

  return (
    <CancelDialog
      job={job}
      // The dialog only makes sense while the API still allows the cancel.
      open={open && job.allowed_actions.includes('cancel')}
      elapsedSeconds={elapsedSeconds}
      onClose={onClose}
      onError={(e, close) => {
        if (e instanceof ApiError && e.status === 409) {
          close();
          toast.show(`Could not cancel: ${e.message}`, 'error');
          onConflict();
        }
      }}
    />
  );
}
