import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useJob } from '../../../api/get-job';
import { PauseDialogs } from '../../../components/job-dialogs/PauseDialogs';
import { Modal } from '../../../components/Modal';
import { Spinner } from '../../../components/Spinner';
import { useToast } from '../../../components/Toast';
import { errorMessage } from '../../../lib/api-client';
import { queryKeys } from '../../../lib/query-keys';
import { STATUS_META } from '../../../lib/status';

export interface RowPauseTarget {
  id: string;
  name: string;
  action: 'pause' | 'resume';
}


/**
 * Pause or resume from a jobs-list row with the job page's own dialogs (the pause confirmation,
 * the resume modal with its GPU choice and estimate). Those dialogs show the job as it stands
 * (progress, spend, checkpoints), which a list row does not carry, so the job is read first; a
 * job that moved on since the list was drawn (the pause or resume no longer allowed) is
 * reported and the list refreshed instead of opening a dialog for an action that would be
 * refused. A pause or resume refreshes the list through its request's own invalidation.
 */
export function RowPauseFlow({ target, onClose }: { target: RowPauseTarget; onClose: () => void }) {
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
      <Modal title={target.action === 'pause' ? 'Pause Training Job?' : 'Resume Training'} onClose={onClose} testId="row-pause-error">
        <div className="alert alert--error" role="alert">
          Could not load “{target.name}”: {errorMessage(job.error)}
        </div>
      </Modal>
    );
  }
  return (
    <Modal title={target.action === 'pause' ? 'Pause Training Job?' : 'Resume Training'} onClose={onClose} testId="row-pause-loading">
      <div role="status" aria-label={`Loading ${target.name}`}>
        <Spinner label={`Loading ${target.name}`} size={20} />
      </div>
    </Modal>
  );
}
