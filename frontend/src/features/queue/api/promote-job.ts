import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import type { QueueState } from '../../../lib/api-types';
import { queryKeys } from '../../../lib/query-keys';

export const promoteJob = (id: string) => api<QueueState>(`/api/training/queue/${id}/promote`, { method: 'POST' });

export function usePromoteJob() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: promoteJob,
    onSuccess: (queue) => {
      qc.setQueryData(queryKeys.queue, queue);
      void qc.invalidateQueries({ queryKey: queryKeys.jobLists });
    },
  });
}
