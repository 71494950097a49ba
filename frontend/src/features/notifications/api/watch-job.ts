import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import type { components } from '../../../lib/api-schema';
import { notificationsKey } from './get-notifications';

export type Watch = components['schemas']['Watch'];

export const watchKey = (jobId: string) => ['notifications', 'watch', jobId] as const;

export const getWatch = (jobId: string) => api<Watch>(`/api/training/jobs/${jobId}/watch`);
export const setWatch = (jobId: string, watching: boolean) =>
  api<Watch>(`/api/training/jobs/${jobId}/watch`, { method: 'PUT', body: { watching } });

export const useJobWatch = (jobId: string) => useQuery({ queryKey: watchKey(jobId), queryFn: () => getWatch(jobId) });

export function useSetJobWatch(jobId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (watching: boolean) => setWatch(jobId, watching),
    onSuccess: (data) => {
      qc.setQueryData(watchKey(jobId), data);
      void qc.invalidateQueries({ queryKey: notificationsKey });
    },
  });
}
