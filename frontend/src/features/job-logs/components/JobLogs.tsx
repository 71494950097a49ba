import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { SearchBox } from '../../../components/SearchBox';
import { Spinner } from '../../../components/Spinner';
import { ErrorState } from '../../../components/States';
import { errorMessage } from '../../../lib/api-client';
import './job-logs.css';
import { loadOlder, logsDownloadUrl, useJobLogs, type LogFilters, type LogLine, type LogStream } from '../api/get-logs';

const STREAMS: { value: '' | LogStream; label: string }[] = [
  { value: '', label: 'All output' },
  { value: 'stdout', label: 'stdout' },
  { value: 'stderr', label: 'stderr' },
  { value: 'log', label: 'Logging' },
  { value: 'system', label: 'System' },
];

function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

function time(iso: string): string {
  const d = new Date(iso);
  return d.toLocaleTimeString(undefined, { hour12: false }) + '.' + String(d.getMilliseconds()).padStart(3, '0');
}

function Line({ line }: { line: LogLine }) {
  const tone = line.stream === 'stderr' || line.level === 'ERROR' ? 'err' : line.stream === 'system' || line.level === 'WARNING' ? 'warn' : '';
  return (
    <div className={`logline${tone ? ` logline--${tone}` : ''}`} data-testid="log-line" data-stream={line.stream}>
      <span className="logline__time">{time(line.created_at)}</span>
      <span className="logline__stream">{line.stream}</span>
      <span className="logline__msg">{line.message}</span>
    </div>
  );
}

/**
 * The Logs tab: the worker's own output (training stdout/stderr and log records). Follow mode
 * polls for lines after the last one shown and keeps the view scrolled to the end; scrolling up
 * pauses following, like a terminal. Search and stream filters run on the server.
 */
export function JobLogs({ jobId, live }: { jobId: string; live: boolean }) {
  const qc = useQueryClient();
  const [search, setSearch] = useState('');
  const [stream, setStream] = useState<'' | LogStream>('');
  const [follow, setFollow] = useState(true);
  const [olderError, setOlderError] = useState<string | null>(null);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const debounced = useDebounced(search.trim(), 300);
  const filters: LogFilters = { search: debounced || undefined, stream: stream || undefined };
  const logs = useJobLogs(jobId, filters, { follow: follow && live });
  const box = useRef<HTMLDivElement>(null);
  const lines = logs.data?.lines ?? [];
  const last = lines.length ? lines[lines.length - 1].id : 0;

  // The job just ended: one more read picks up its last lines (written before it ended).
  const wasLive = useRef(live);
  useEffect(() => {
    if (wasLive.current && !live) void logs.refetch();
    wasLive.current = live;
  }, [live]); // eslint-disable-line react-hooks/exhaustive-deps

  // Following: stay at the end as lines arrive.
  useLayoutEffect(() => {
    if (follow && box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [last, follow]);

  const onScroll = () => {
    const el = box.current;
    if (!el) return;
    const atEnd = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
    if (!atEnd && follow) setFollow(false);
  };

  const older = async () => {
    setLoadingOlder(true);
    setOlderError(null);
    try {
      await loadOlder(qc, jobId, filters);
    } catch (e) {
      setOlderError(errorMessage(e));
    } finally {
      setLoadingOlder(false);
    }
  };

  return (
    <div className="card job-logs" data-testid="job-logs">
      <div className="toolbar job-logs__toolbar">
        <SearchBox value={search} onChange={setSearch} placeholder="Search log lines" ariaLabel="Search log lines" testId="log-search" />
        <label className="field field--inline">
          <span className="field__label">Stream</span>
          <select className="input" value={stream} onChange={(e) => setStream(e.target.value as '' | LogStream)} data-testid="log-stream">
            {STREAMS.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
        </label>
        <label className="checkbox" title={live ? 'Keep showing new lines as they arrive' : 'The job has ended: no new lines will come'}>
          <input type="checkbox" checked={follow && live} disabled={!live} onChange={(e) => setFollow(e.target.checked)} data-testid="log-follow" />
          Follow
        </label>
        <a className="btn btn--secondary btn--sm" href={logsDownloadUrl(jobId, filters)} download data-testid="log-download">
          Download
        </a>
      </div>
      {logs.isPending ? (
        <div className="chart-empty" role="status" aria-label="Loading logs">
          <Spinner label="Loading logs" size={24} />
        </div>
      ) : logs.isError && !logs.data ? (
        <ErrorState title="Could not load the logs" error={logs.error} onRetry={() => logs.refetch()} retrying={logs.isFetching} />
      ) : (
        <>
          {logs.data?.hasOlder ? (
            <div className="job-logs__older">
              <button type="button" className="btn btn--ghost btn--sm" onClick={older} disabled={loadingOlder} data-testid="log-older">
                {loadingOlder ? 'Loading…' : 'Load older lines'}
              </button>
              {olderError ? <span className="field__error">{olderError}</span> : null}
            </div>
          ) : null}
          <div
            ref={box}
            className="job-logs__view"
            role="log"
            aria-label="Worker log"
            aria-live={follow && live ? 'polite' : 'off'}
            tabIndex={0}
            onScroll={onScroll}
            data-testid="log-view"
            data-cursor={logs.data?.cursor ?? 0}
          >
            {lines.length === 0 ? (
              <div className="job-logs__empty" data-testid="log-empty">
                {filters.search || filters.stream
                  ? 'No log lines match these filters.'
                  : live
                    ? 'No output yet: lines appear here as the worker writes them.'
                    : 'This job wrote no log lines.'}
              </div>
            ) : (
              lines.map((line) => <Line key={line.id} line={line} />)
            )}
          </div>
          <div className="job-logs__status" aria-live="off">
            {lines.length.toLocaleString()} line{lines.length === 1 ? '' : 's'}
            {live ? (follow ? ' · following' : ' · paused (tick Follow to resume)') : ' · job ended'}
            {logs.isError ? ` · refresh failed: ${errorMessage(logs.error)}` : ''}
          </div>
        </>
      )}
    </div>
  );
}
