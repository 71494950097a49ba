import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import type { JobList } from '../../../lib/api-types';
import { queryKeys } from '../../../lib/query-keys';
import { isLive } from '../../../lib/status';

export type JobsQuery = Record<string, string | number>;

export function getJobs(query: JobsQuery, signal?: AbortSignal): Promise<JobList> {
  return api<JobList>('/api/training/jobs', { query, signal });
}

export const ACTIVE_REFRESH_MS = 60_000;

export function jobsQueryOptions(query: JobsQuery) {
  return queryOptions({
    queryKey: queryKeys.jobList(query),
    queryFn: ({ signal }) => getJobs(query, signal),
    placeholderData: keepPreviousData,
    // Rows of unfinished jobs change (status, progress, cost): refresh every 60 s while any are shown.
    refetchInterval: (q) => (q.state.data?.results.some((j) => isLive(j.status)) ? ACTIVE_REFRESH_MS : false),
  });
}

export function useJobs(query: JobsQuery) {
  return useQuery(jobsQueryOptions(query));
}
