import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import type { Estimate, JobCreateBody } from '../../../lib/api-types';
import { queryKeys } from '../../../lib/query-keys';

export function estimateJob(body: JobCreateBody, signal?: AbortSignal): Promise<Estimate> {
  return api<Estimate>('/api/training/jobs/estimate', { method: 'POST', body, signal });
}

export function estimateQueryOptions(body: JobCreateBody | null) {
  return queryOptions({
    queryKey: queryKeys.estimate(body ?? {}),
    queryFn: ({ signal }) => estimateJob(body as JobCreateBody, signal),
    enabled: body !== null,
    placeholderData: keepPreviousData,
    staleTime: 60_000,
    retry: false,
  });
}

/** Pass an already-debounced body (or null while the form is incomplete). */
export const useEstimate = (body: JobCreateBody | null) => useQuery(estimateQueryOptions(body));
