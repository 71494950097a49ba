import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import type { JobCreateBody, JobDetail } from '../../../lib/api-types';
import { queryKeys } from '../../../lib/query-keys';

export function createJob(body: JobCreateBody): Promise<JobDetail> {
  return api<JobDetail>('/api/training/jobs', { method: 'POST', body });
}

export function useCreateJob() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: createJob,
    onSuccess: (job) => {
      qc.setQueryData(queryKeys.job(job.id), job);
      void qc.invalidateQueries({ queryKey: queryKeys.jobLists, refetchType: 'none' });
      void qc.invalidateQueries({ queryKey: queryKeys.queue });
    },
  });
}
