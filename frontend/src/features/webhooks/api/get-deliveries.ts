import { useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import type { Paginated } from '../../../lib/api-types';
import { deliveriesKey, type WebhookDelivery } from './keys';

export const getDeliveries = (id: string, signal?: AbortSignal) =>
  api<Paginated<WebhookDelivery>>(`/api/training/webhooks/${id}/deliveries`, { query: { page_size: 20 }, signal });

/** The newest deliveries of a hook; polled while one is still pending or being sent. */
export const useDeliveries = (id: string) =>
  useQuery({
    queryKey: deliveriesKey(id),
    queryFn: ({ signal }) => getDeliveries(id, signal),
    refetchInterval: (q) => (q.state.data?.results.some((d) => d.status === 'pending' || d.status === 'sending') ? 2000 : false),
  });
