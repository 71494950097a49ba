import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import type { PauseHistory } from '../../../lib/api-types';
import { queryKeys } from '../../../lib/query-keys';

/** Every pause of the job, with its active (billed) and paused time. */
export const getPauses = (id: string, signal?: AbortSignal) => api<PauseHistory>(`/api/training/jobs/${id}/pauses`, { signal });

/** `version`: anything that changes when a pause may have (the job's status and pause state). */
export const pausesQueryOptions = (id: string, version: string) =>
  queryOptions({ queryKey: [...queryKeys.jobPauses(id), version], queryFn: ({ signal }) => getPauses(id, signal), staleTime: 30_000 });

export const usePauses = (id: string, version: string) => useQuery(pausesQueryOptions(id, version));
