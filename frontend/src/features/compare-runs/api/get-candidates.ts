import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import type { JobList } from '../../../lib/api-types';

/** Jobs to pick from: the 50 newest, or those whose name matches `search`. */
export const getCandidates = (search: string, signal?: AbortSignal) =>
  api<JobList>('/api/training/jobs', { query: { ordering: '-created_at', page_size: 50, search: search || undefined }, signal });

export const useCandidates = (search: string) =>
  useQuery({ queryKey: ['jobs', 'compare-candidates', search] as const, queryFn: ({ signal }) => getCandidates(search, signal), placeholderData: keepPreviousData });
