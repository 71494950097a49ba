import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../lib/api-client';
import type { JobDetail, JobStatus } from '../lib/api-types';
import { queryKeys } from '../lib/query-keys';
import { backoffInterval, failingForMs } from '../lib/polling';
import { isTerminal } from '../lib/status';

export const DASHBOARD_REFRESH_MS = 60_000;
/** While a cancel is being confirmed by the worker, check more often so the final state shows up quickly. */
export const CANCELLING_REFRESH_MS = 5_000;

/** One job in full (the dashboard, the queue's configuration dialog): one fetcher, one cache entry. */
export const getJob = (id: string, signal?: AbortSignal) => api<JobDetail>(`/api/training/jobs/${id}`, { signal });

/** Poll every 60 s while the job can still change; never once it is completed, failed or
 * cancelled. After failed refreshes the interval backs off (doubling, at most 5 min). */
export function jobRefreshInterval(status: JobStatus | undefined, staleForMs = 0): number | false {
  if (!status) return false;
  if (isTerminal(status)) return false;
  const base = status === 'cancelling' ? CANCELLING_REFRESH_MS : DASHBOARD_REFRESH_MS;
  return backoffInterval(base, staleForMs);
}

export function jobQueryOptions(id: string) {
  return queryOptions({
    queryKey: queryKeys.job(id),
    queryFn: ({ signal }) => getJob(id, signal),
    refetchInterval: (q) => jobRefreshInterval(q.state.data?.status, failingForMs(q.state, Date.now())),
  });
}

/** The job, polled while it can still change (`poll: false`: fetched once, e.g. a dialog). */
export const useJob = (id: string, { poll = true } = {}) => useQuery({ ...jobQueryOptions(id), ...(poll ? {} : { refetchInterval: false as const }) });
