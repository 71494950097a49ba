import { queryOptions, useQuery, type QueryClient, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import type { MetricPoint, MetricsResponse } from '../../../lib/api-types';
import { backoffInterval, failingForMs } from '../../../lib/polling';
import { queryKeys } from '../../../lib/query-keys';
import { mergePoints } from '../utils/chart';

export const INITIAL_MAX_POINTS = 1000;

export interface MetricsHistory {
  points: MetricPoint[];
  totalPoints: number;
  downsampled: boolean;
}

export const getMetrics = (id: string, query: Record<string, number | string>, signal?: AbortSignal) =>
  api<MetricsResponse>(`/api/training/jobs/${id}/metrics`, { query, signal });

/**
 * First load: a downsampled overview (max_points=1000). Later polls only ask for steps after
 * the last one we have (after_step) and merge them in. A new attempt (resume from checkpoint
 * replaces steps) has its own key, so it starts again from a full load.
 */
export async function fetchMetricsHistory(qc: QueryClient, id: string, attempt: number, signal?: AbortSignal): Promise<MetricsHistory> {
  const prev = qc.getQueryData<MetricsHistory>([...queryKeys.jobMetrics(id), attempt]);
  if (!prev || prev.points.length === 0) {
    const r = await getMetrics(id, { max_points: INITIAL_MAX_POINTS }, signal);
    return { points: [...r.points].sort((a, b) => a.step - b.step), totalPoints: r.total_points, downsampled: r.downsampled };
  }
  const last = prev.points[prev.points.length - 1].step;
  const r = await getMetrics(id, { after_step: last }, signal);
  return { points: mergePoints(prev.points, r.points), totalPoints: r.total_points, downsampled: prev.downsampled || r.downsampled };
}

export function metricsQueryOptions(qc: QueryClient, id: string, attempt: number, live: boolean) {
  return queryOptions({
    queryKey: [...queryKeys.jobMetrics(id), attempt],
    queryFn: ({ signal }) => fetchMetricsHistory(qc, id, attempt, signal),
    // Every 60 s while live; backing off while refreshes fail (like the job itself).
    refetchInterval: (q) => (live ? backoffInterval(60_000, failingForMs(q.state, Date.now())) : false),
    staleTime: live ? 10_000 : Infinity,
  });
}

export function useJobMetrics(id: string, attempt: number, { live, enabled = true }: { live: boolean; enabled?: boolean }) {
  const qc = useQueryClient();
  return useQuery({ ...metricsQueryOptions(qc, id, attempt, live), enabled });
}
