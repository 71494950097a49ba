import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import type { CompareResponse, JobStatus } from '../../../lib/api-types';
import { isLive } from '../../../lib/status';

/** While any compared run still trains, its curve grows: refresh every 60 s like the dashboard. */
export const COMPARE_REFRESH_MS = 60_000;

export const getCompare = (ids: string[], signal?: AbortSignal) => api<CompareResponse>('/api/training/jobs/compare', { query: { jobs: ids.join(',') }, signal });

export function compareQueryOptions(ids: string[]) {
  return queryOptions({
    queryKey: ['jobs', 'compare', ids] as const,
    queryFn: ({ signal }) => getCompare(ids, signal),
    placeholderData: keepPreviousData,
    refetchInterval: (q) => (q.state.data?.runs.some((r) => isLive(r.status as JobStatus)) ? COMPARE_REFRESH_MS : false),
  });
}

export const useCompare = (ids: string[]) => useQuery({ ...compareQueryOptions(ids), enabled: ids.length >= 2 });
