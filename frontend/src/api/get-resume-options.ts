import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../lib/api-client';
import type { ResumeOptions } from '../lib/api-types';
import { queryKeys } from '../lib/query-keys';

/** What resuming costs from the checkpoint on each GPU type, with the warnings that apply. */
export const getResumeOptions = (id: string, signal?: AbortSignal) =>
  api<ResumeOptions>(`/api/training/jobs/${id}/resume-options`, { signal });

export const resumeOptionsQueryOptions = (id: string) =>
  queryOptions({ queryKey: queryKeys.resumeOptions(id), queryFn: ({ signal }) => getResumeOptions(id, signal), staleTime: 15_000 });

export const useResumeOptions = (id: string, enabled: boolean) => useQuery({ ...resumeOptionsQueryOptions(id), enabled });
