import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import type { components } from '../../../lib/api-schema';

export type NotificationList = components['schemas']['NotificationList'];
export type JobNotification = components['schemas']['Notification'];

export const notificationsKey = ['notifications', 'list'] as const;
/** While a watched job has not ended, ask every 10 s; otherwise once a minute (cheap). */
export const WATCHING_POLL_MS = 10_000;
export const IDLE_POLL_MS = 60_000;

export const getNotifications = (signal?: AbortSignal) => api<NotificationList>('/api/training/notifications', { signal });

export function useNotifications(enabled: boolean) {
  return useQuery({
    queryKey: notificationsKey,
    queryFn: ({ signal }) => getNotifications(signal),
    enabled,
    refetchInterval: (q) => (q.state.data && q.state.data.watching.length > 0 ? WATCHING_POLL_MS : IDLE_POLL_MS),
    refetchIntervalInBackground: true,
  });
}

export function useAcknowledgeNotifications() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (jobIds: string[]) =>
      api<components['schemas']['Acknowledged']>('/api/training/notifications/ack', { method: 'POST', body: { job_ids: jobIds } }),
    onSuccess: () => qc.invalidateQueries({ queryKey: notificationsKey }),
  });
}
