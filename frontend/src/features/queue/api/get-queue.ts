import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import type { QueueState } from '../../../lib/api-types';
import { queryKeys } from '../../../lib/query-keys';

export const QUEUE_REFRESH_MS = 30_000;

export const getQueue = (signal?: AbortSignal) => api<QueueState>('/api/training/queue', { signal });

export const queueQueryOptions = queryOptions({
  queryKey: queryKeys.queue,
  queryFn: ({ signal }) => getQueue(signal),
  refetchInterval: QUEUE_REFRESH_MS,
});

export const useQueue = () => useQuery(queueQueryOptions);
