import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../lib/api-client';
import type { CancelReason, JobDetail } from '../lib/api-types';
import { queryKeys } from '../lib/query-keys';

export interface CancelInput {
  id: string;
  reason: CancelReason;
  notes?: string;
}

export const cancelJob = ({ id, reason, notes }: CancelInput) =>
  api<JobDetail>(`/api/training/jobs/${id}/cancel`, { method: 'POST', body: notes ? { reason, notes } : { reason } });

export function useCancelJob() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: cancelJob,
    onSuccess: (job) => {
      qc.setQueryData(queryKeys.job(job.id), job);
      void qc.invalidateQueries({ queryKey: queryKeys.jobLists });
      void qc.invalidateQueries({ queryKey: queryKeys.queue });
      void qc.invalidateQueries({ queryKey: queryKeys.jobEventsAll(job.id) });
    },
  });
}
