import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import type { QueueState } from '../../../lib/api-types';
import { queryKeys } from '../../../lib/query-keys';

export const removeFromQueue = (id: string) => api<QueueState>(`/api/training/queue/${id}/remove`, { method: 'POST' });

export function useRemoveFromQueue() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: removeFromQueue,
    onSuccess: (queue, id) => {
      qc.setQueryData(queryKeys.queue, queue);
      void qc.invalidateQueries({ queryKey: queryKeys.jobLists });
      void qc.invalidateQueries({ queryKey: queryKeys.job(id) });
    },
  });
}
