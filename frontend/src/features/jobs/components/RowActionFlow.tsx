import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useJob } from '../../../api/get-job';
import { CancelDialog } from '../../../components/job-dialogs/CancelDialog';
import { PauseDialogs } from '../../../components/job-dialogs/PauseDialogs';
import { Modal } from '../../../components/Modal';
import { Spinner } from '../../../components/Spinner';
import { useToast } from '../../../components/Toast';
import { ApiError, errorMessage } from '../../../lib/api-client';
import { queryKeys } from '../../../lib/query-keys';
import { STATUS_META } from '../../../lib/status';

export interface RowActionTarget {
  id: string;
  name: string;
  action: 'pause' | 'resume' | 'cancel';
}

/** The dialogs' own titles, for the loading and load-error dialogs shown before them. */
const TITLES: Record<RowActionTarget['action'], string> = {
  pause: 'Pause Training Job?',
  resume: 'Resume Training',
  cancel: 'Cancel Training Job?',
};

/**
 * Pause, resume or cancel from a jobs-list row with the job page's own dialogs (the pause
 * confirmation, the resume modal with its GPU choice and estimate, the cancel modal with its
 * reason). Those dialogs show the job as it stands (progress, spend, checkpoints), which a list
 * row does not carry, so the job is read first; a job that moved on since the list was drawn
 * (the action no longer allowed) is reported and the list refreshed instead of opening a dialog
 * for an action that would be refused. A confirmed action refreshes the list through its
 * request's own invalidation.
 */
export function RowActionFlow({ target, onClose }: { target: RowActionTarget; onClose: () => void }) {
  const job = useJob(target.id, { poll: false });
  const qc = useQueryClient();
  const toast = useToast();
  const refreshList = () => void qc.invalidateQueries({ queryKey: queryKeys.jobLists });
  // Cached data may predate the row's action (opened from the job page earlier): decide on a read
  // made now, once. After that the dialogs follow the job (a confirmed pause changes its
  // allowed actions; that is the dialog's success, not a refusal).
  const fresh = job.isFetchedAfterMount && !job.isFetching ? job.data : undefined;
  const [verdict, setVerdict] = useState<'open' | 'refused' | null>(null);

  useEffect(() => {
    if (!fresh || verdict !== null) return;
    if (fresh.allowed_actions.includes(target.action)) {
      setVerdict('open');
      return;
    }
    setVerdict('refused');
    toast.show(`Could not ${target.action} “${fresh.name}”: it is ${STATUS_META[fresh.status].label.toLowerCase()} now.`, 'error');
    refreshList();
    onClose();
  }, [fresh, verdict]); // eslint-disable-line react-hooks/exhaustive-deps

  if (verdict === 'open' && job.data) {
    if (target.action === 'cancel') {
      return (
        <CancelDialog
          job={job.data}
          open
          // The read made just now: the list has no live clock to advance it as the job page does.
          elapsedSeconds={job.data.timing.elapsed_seconds}
          onClose={onClose}
          onError={(e) => {
            // The API's reason stays in the dialog; a conflict means the job moved on (finished,
            // already cancelling), so the row and the dialog's summary are brought up to date.
            if (e instanceof ApiError && e.status === 409) {
              refreshList();
              void job.refetch();
            }
          }}
        />
      );
    }
    return (
      <PauseDialogs
        job={job.data}
        dialog={target.action}
        onClose={onClose}
        onConflict={() => {
          refreshList();
          void job.refetch();
        }}
      />
    );
  }
  if (verdict === 'refused') return null;
  if (job.isError) {
    return (
      <Modal title={TITLES[target.action]} onClose={onClose} testId="row-action-error">
        <div className="alert alert--error" role="alert">
          Could not load “{target.name}”: {errorMessage(job.error)}
        </div>
      </Modal>
    );
  }
  return (
    <Modal title={TITLES[target.action]} onClose={onClose} testId="row-action-loading">
      <div role="status" aria-label={`Loading ${target.name}`}>
        <Spinner label={`Loading ${target.name}`} size={20} />
      </div>
    </Modal>
  );
}
