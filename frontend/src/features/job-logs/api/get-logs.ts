import { useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { api, buildQuery } from '../../../lib/api-client';
import type { components } from '../../../lib/api-schema';

export type LogLine = components['schemas']['LogLine'];
export type LogPage = components['schemas']['LogPage'];
export type LogStream = NonNullable<LogLine['stream']>;

/** First load: the newest lines (the tail). Follow mode then asks only for lines after the
 *  cursor, every FOLLOW_MS, and appends them; the view keeps at most MAX_LINES in memory. */
export const TAIL_LINES = 500;
export const FOLLOW_MS = 2000;
export const MAX_LINES = 5000;

export interface LogFilters {
  search?: string;
  stream?: LogStream;
}

export interface LogView {
  lines: LogLine[];
  cursor: number;
  /** Older lines exist before the first one shown ("Load older"). */
  hasOlder: boolean;
  finished: boolean;
}

export const logsKey = (jobId: string, f: LogFilters) => ['jobs', 'logs', jobId, f] as const;

export const getLogs = (jobId: string, query: Record<string, string | number | undefined>, signal?: AbortSignal) =>
  api<LogPage>(`/api/training/jobs/${jobId}/logs`, { query, signal });

function cap(lines: LogLine[]): LogLine[] {
  return lines.length > MAX_LINES ? lines.slice(lines.length - MAX_LINES) : lines;
}

export async function fetchLogView(qc: QueryClient, jobId: string, f: LogFilters, signal?: AbortSignal): Promise<LogView> {
  const prev = qc.getQueryData<LogView>(logsKey(jobId, f));
  if (!prev) {
    const page = await getLogs(jobId, { ...f, limit: TAIL_LINES }, signal);
    return { lines: page.lines, cursor: page.next_cursor, hasOlder: page.has_more, finished: page.job_finished };
  }
  let { lines, cursor } = prev;
  let finished = prev.finished;
  // Catch up in pages of 1000 (a burst after a pause in polling), at most a few per poll.
  for (let i = 0; i < 5; i++) {
    const page = await getLogs(jobId, { ...f, after: cursor, limit: 1000 }, signal);
    lines = cap([...lines, ...page.lines]);
    cursor = page.next_cursor;
    finished = page.job_finished;
    if (!page.has_more) break;
  }
  // The cap dropped the oldest lines: they can be loaded again ("Load older").
  const trimmed = prev.lines.length > 0 && lines[0]?.id !== prev.lines[0].id;
  return { lines, cursor, hasOlder: prev.hasOlder || trimmed, finished };
}

/** Lines before the oldest one shown, prepended to the view (the follow cursor is unchanged). */
export async function loadOlder(qc: QueryClient, jobId: string, f: LogFilters): Promise<void> {
  const prev = qc.getQueryData<LogView>(logsKey(jobId, f));
  if (!prev || prev.lines.length === 0) return;
  const page = await getLogs(jobId, { ...f, before: prev.lines[0].id, limit: TAIL_LINES });
  qc.setQueryData<LogView>(logsKey(jobId, f), {
    ...prev,
    lines: [...page.lines, ...prev.lines],
    hasOlder: page.has_more,
  });
}

export function useJobLogs(jobId: string, f: LogFilters, { follow }: { follow: boolean }) {
  const qc = useQueryClient();
  return useQuery({
    queryKey: logsKey(jobId, f),
    queryFn: ({ signal }) => fetchLogView(qc, jobId, f, signal),
    refetchInterval: (q) => (follow && !q.state.data?.finished ? FOLLOW_MS : false),
    staleTime: follow ? 0 : Infinity,
  });
}

/** URL of the plain-text download, with the current filters. */
export function logsDownloadUrl(jobId: string, f: LogFilters): string {
  return `/api/training/jobs/${jobId}/logs/download${buildQuery({ search: f.search, stream: f.stream })}`;
}
