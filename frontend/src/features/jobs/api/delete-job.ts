import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import { queryKeys } from '../../../lib/query-keys';

export function deleteJob(id: string): Promise<void> {
  return api<void>(`/api/training/jobs/${id}`, { method: 'DELETE' });
}

export function useDeleteJob() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: deleteJob,
    onSuccess: (_d, id) => {
      qc.removeQueries({ queryKey: queryKeys.job(id) });
      return qc.invalidateQueries({ queryKey: queryKeys.jobLists });
    },
  });
}
