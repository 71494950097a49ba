import { ApiError } from '../../lib/api-client';
import type { JobDetail } from '../../lib/api-types';
import { formatNumber } from '../../lib/format';
import { useToast } from '../Toast';
import { usePauseJob } from '../../api/pause-job';
import { useResumeJob } from '../../api/resume-job';
import { useResumeOptions } from '../../api/get-resume-options';
import { PauseModal } from './PauseModal';
import { ResumeModal, type ResumeChoice } from './ResumeModal';

/** Which pause dialog is open: the pause confirmation, the resume modal, or the resume modal with the anomaly's suggestion applied. */
export type PauseDialog = 'pause' | 'resume' | 'resume-suggested' | null;

interface Props {
  job: JobDetail;
  dialog: PauseDialog;
  onClose: () => void;
  /** The job changed under us (409): reload it so the page shows its real state. */
  onConflict: () => void;
}

/**
 * The pause and resume dialogs and their requests: success closes the dialog with a toast, a
 * conflict (the job moved on: finalizing, finished, already resumed) closes it with the API's
 * answer and reloads the job, any other error stays in the dialog.
 */
export function PauseDialogs({ job, dialog, onClose, onConflict }: Props) {
  const toast = useToast();
  const pause = usePauseJob();
  const resume = useResumeJob();
  const resuming = dialog === 'resume' || dialog === 'resume-suggested';
  const options = useResumeOptions(job.id, resuming && job.allowed_actions.includes('resume'));

  const conflict = (verb: string) => (e: unknown) => {
    if (e instanceof ApiError && e.status === 409) {
      close();
      toast.show(`Could not ${verb}: ${e.message}`, 'error');
      onConflict();
    }
  };
  const close = () => {
    onClose();
    pause.reset();
    resume.reset();
  };

  if (dialog === 'pause' && job.allowed_actions.includes('pause')) {
    return (
      <PauseModal
        job={job}
        submitting={pause.isPending}
        error={pause.error}
        onClose={close}
        onConfirm={() =>
          pause.mutate(job.id, {
            onSuccess: () => {
              close();
              toast.show(`Pause requested: the job pauses after step ${formatNumber(job.progress.current_step)} once its checkpoint is saved.`);
            },
            onError: conflict('pause'),
          })
        }
      />
    );
  }
  if (resuming && job.allowed_actions.includes('resume')) {
    const confirm = ({ gpuType, hyperparameters }: ResumeChoice) =>
      resume.mutate(
        { id: job.id, gpuType: gpuType === job.gpu_type.slug ? undefined : gpuType, hyperparameters },
        {
          onSuccess: (updated) => {
            close();
            toast.show(`Job resumed on ${updated.gpu_type.name}: back in the queue.`);
          },
          onError: conflict('resume'),
        },
      );
    return (
      <ResumeModal
        job={job}
        options={options.data}
        loading={options.isPending}
        loadError={options.isError ? options.error : null}
        applySuggestion={dialog === 'resume-suggested'}
        submitting={resume.isPending}
        error={resume.error}
        onConfirm={confirm}
        onClose={close}
      />
    );
  }
  return null;
}
