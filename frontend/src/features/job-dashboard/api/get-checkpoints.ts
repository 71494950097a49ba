import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import type { Checkpoint } from '../../../lib/api-types';

export const getCheckpoints = (id: string, signal?: AbortSignal) => api<Checkpoint[]>(`/api/training/jobs/${id}/checkpoints`, { signal });

export const checkpointsQueryOptions = (id: string) =>
  queryOptions({ queryKey: ['jobs', 'checkpoints', id], queryFn: ({ signal }) => getCheckpoints(id, signal), staleTime: 60_000 });

export const useCheckpoints = (id: string, enabled: boolean) => useQuery({ ...checkpointsQueryOptions(id), enabled });
