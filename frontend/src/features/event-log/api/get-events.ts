import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { api, buildQuery } from '../../../lib/api-client';
import type { EventList } from '../../../lib/api-types';
import { backoffInterval, failingForMs } from '../../../lib/polling';
import { queryKeys } from '../../../lib/query-keys';

export const EVENTS_PAGE_SIZE = 50;
export const EVENTS_REFRESH_MS = 10_000;

export interface EventsQuery {
  type?: string;
  search?: string;
  page: number;
}

export const getEvents = (jobId: string, q: EventsQuery, signal?: AbortSignal) =>
  api<EventList>(`/api/training/jobs/${jobId}/events`, {
    query: { type: q.type, search: q.search, page: q.page, page_size: EVENTS_PAGE_SIZE },
    signal,
  });

export function eventsQueryOptions(jobId: string, q: EventsQuery, live: boolean) {
  return queryOptions({
    queryKey: queryKeys.jobEvents(jobId, q),
    queryFn: ({ signal }) => getEvents(jobId, q, signal),
    placeholderData: keepPreviousData,
    // Every 10 s while live; backing off while refreshes fail (offline, server down).
    refetchInterval: (q) => (live ? backoffInterval(EVENTS_REFRESH_MS, failingForMs(q.state, Date.now())) : false),
  });
}

export const useEvents = (jobId: string, q: EventsQuery, live: boolean) => useQuery(eventsQueryOptions(jobId, q, live));

/** URL of the export endpoint (a file download), with the current filters. */
export function eventsExportUrl(jobId: string, format: 'json' | 'csv', q: Omit<EventsQuery, 'page'>): string {
  return `/api/training/jobs/${jobId}/events/export${buildQuery({ format, type: q.type, search: q.search })}`;
}
