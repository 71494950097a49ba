import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import type { BulkActionBody, BulkResult } from '../../../lib/api-types';
import { queryKeys } from '../../../lib/query-keys';

/** Cancel or delete many jobs at once; each one is checked like the single action. */
export function bulkJobs(body: BulkActionBody): Promise<BulkResult> {
  return api<BulkResult>('/api/training/jobs/bulk', { method: 'POST', body });
}

export function useBulkJobs() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: bulkJobs,
    onSuccess: (result) => {
      if (result.action === 'delete') for (const id of result.done) qc.removeQueries({ queryKey: queryKeys.job(id) });
      return Promise.all([qc.invalidateQueries({ queryKey: queryKeys.jobs }), qc.invalidateQueries({ queryKey: queryKeys.queue })]);
    },
  });
}
