import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../lib/api-client';
import type { Hyperparameters, JobDetail } from '../lib/api-types';
import { queryKeys } from '../lib/query-keys';

export interface ResumeInput {
  id: string;
  /** Another GPU type's slug; omitted: the job's own. */
  gpuType?: string;
  /** Values to change from the checkpoint on (e.g. the anomaly suggestion's learning rate). */
  hyperparameters?: Partial<Hyperparameters>;
}

/** Put a paused job back in the queue; its next attempt resumes from the newest checkpoint. */
export const resumeJob = ({ id, gpuType, hyperparameters }: ResumeInput) =>
  api<JobDetail>(`/api/training/jobs/${id}/resume`, {
    method: 'POST',
    body: {
      ...(gpuType ? { gpu_type: gpuType } : {}),
      ...(hyperparameters && Object.keys(hyperparameters).length ? { hyperparameters } : {}),
    },
  });

export function useResumeJob() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: resumeJob,
    onSuccess: (job) => {
      qc.setQueryData(queryKeys.job(job.id), job);
      void qc.invalidateQueries({ queryKey: queryKeys.jobPauses(job.id) });
      void qc.invalidateQueries({ queryKey: queryKeys.resumeOptions(job.id) });
      void qc.invalidateQueries({ queryKey: queryKeys.jobLists });
      void qc.invalidateQueries({ queryKey: queryKeys.queue });
      void qc.invalidateQueries({ queryKey: queryKeys.jobEventsAll(job.id) });
    },
  });
}
