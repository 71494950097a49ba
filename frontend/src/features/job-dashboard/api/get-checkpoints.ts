import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import type { Checkpoint } from '../../../lib/api-types';

export const getCheckpoints = (id: string, signal?: AbortSignal) => api<Checkpoint[]>(`/api/training/jobs/${id}/checkpoints`, { signal });

/** `count` is the job's checkpoint_count: a new checkpoint (seen on the job) refetches the list. */
export const checkpointsQueryOptions = (id: string, count = 0) =>
  queryOptions({ queryKey: ['jobs', 'checkpoints', id, count], queryFn: ({ signal }) => getCheckpoints(id, signal), staleTime: 60_000 });

export const useCheckpoints = (id: string, enabled: boolean, count = 0) => useQuery({ ...checkpointsQueryOptions(id, count), enabled });
