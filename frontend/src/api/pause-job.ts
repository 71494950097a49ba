import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../lib/api-client';
import type { JobDetail } from '../lib/api-types';
import { queryKeys } from '../lib/query-keys';

/** Ask a running job to pause: the worker saves a checkpoint at its next step boundary. */
export const pauseJob = (id: string) => api<JobDetail>(`/api/training/jobs/${id}/pause`, { method: 'POST' });

export function usePauseJob() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: pauseJob,
    onSuccess: (job) => {
      qc.setQueryData(queryKeys.job(job.id), job);
      void qc.invalidateQueries({ queryKey: queryKeys.jobPauses(job.id) });
      void qc.invalidateQueries({ queryKey: queryKeys.jobLists });
      void qc.invalidateQueries({ queryKey: queryKeys.jobEventsAll(job.id) });
    },
  });
}
