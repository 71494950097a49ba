import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import type { JobDetail } from '../../../lib/api-types';
import { queryKeys } from '../../../lib/query-keys';

/** Full job (hyperparameters, dataset) for the read-only "View configuration" dialog. */
export const getJobConfig = (id: string, signal?: AbortSignal) => api<JobDetail>(`/api/training/jobs/${id}`, { signal });

export const jobConfigQueryOptions = (id: string) =>
  queryOptions({ queryKey: queryKeys.job(id), queryFn: ({ signal }) => getJobConfig(id, signal) });

export const useJobConfig = (id: string) => useQuery(jobConfigQueryOptions(id));
