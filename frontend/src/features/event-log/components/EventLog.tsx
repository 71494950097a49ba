import { Fragment, useEffect, useRef, useState } from 'react';
import { useSearchParamsState } from '../../../lib/search-params';
import { Badge } from '../../../components/Badge';
import { Pagination } from '../../../components/Pagination';
import { Skeleton } from '../../../components/Skeleton';
import { EmptyState, ErrorState } from '../../../components/States';
import { useToast } from '../../../components/Toast';
import { errorMessage } from '../../../lib/api-client';
import type { EventType, JobEvent } from '../../../lib/api-types';
import { formatDateTime, formatEventTime } from '../../../lib/format';
import { useDebouncedValue } from '../../../lib/hooks';
import { EVENT_TYPE_META } from '../../../lib/status';
import { eventsExportUrl, useEvents } from '../api/get-events';
import { newSeqs } from '../utils/json-highlight';
import { JsonView } from './JsonView';
import { readEventLogView, writeEventLogView, type EventLogView } from '../utils/url-state';
import { SearchBox } from '../../../components/SearchBox';

export const EVENT_FILTERS: { value: '' | EventType; label: string }[] = [
  { value: '', label: 'All events' },
  { value: 'status', label: 'Status' },
  { value: 'metrics', label: 'Metrics' },
  { value: 'warning', label: 'Warnings' },
  { value: 'error', label: 'Errors' },
  { value: 'info', label: 'Info' },
  { value: 'checkpoint', label: 'Checkpoints' },
];

/** `seq` is the job-wide order (unique per job); the attempt in the key is informative only. */
const eventKey = (e: JobEvent) => `${e.attempt}-${e.seq}`;

async function copyText(text: string): Promise<void> {
  if (navigator.clipboard?.writeText) return navigator.clipboard.writeText(text);
  const ta = document.createElement('textarea');
  ta.value = text;
  ta.style.position = 'fixed';
  ta.style.opacity = '0';
  document.body.appendChild(ta);
  ta.select();
  const ok = document.execCommand('copy');
  ta.remove();
  if (!ok) throw new Error('Copy is not available in this browser');
}

export function EventLog({ jobId, live }: { jobId: string; live: boolean }) {
  // Filter, search and page live in the URL: a reload or a shared link shows the same rows.
  const [params, setParams] = useSearchParamsState();
  const view = readEventLogView(params);
  const { type, page } = view;
  const setView = (patch: Partial<EventLogView>) =>
    setParams((p) => writeEventLogView(p, { ...readEventLogView(p), ...patch }), { replace: true });
  const setType = (t: '' | EventType) => setView({ type: t, page: 1 });
  const setPage = (n: number) => setView({ page: n });
  const [searchInput, setSearchInput] = useState(view.search);
  const debounced = useDebouncedValue(searchInput.trim(), 400);
  const search = view.search;
  useEffect(() => {
    if (debounced !== view.search) setView({ search: debounced, page: 1 });
  }, [debounced]); // eslint-disable-line react-hooks/exhaustive-deps
  const [expanded, setExpanded] = useState<Set<string>>(new Set());
  const [pulse, setPulse] = useState<Set<string>>(new Set());
  const seen = useRef<Set<string> | null>(null);
  const toast = useToast();
  const q = { type: type || undefined, search: search || undefined, page };
  const events = useEvents(jobId, q, live && page === 1);
  // Newest first in time order (ties by sequence), as the API sorts them.
  const rows = events.data?.results ?? [];
  // The job just finished: one last fetch picks up its final events.
  const wasLive = useRef(live);
  useEffect(() => {
    if (wasLive.current && !live) void events.refetch();
    wasLive.current = live;
  }, [live]); // eslint-disable-line react-hooks/exhaustive-deps
  // Filter/search/page changes start a new "seen" baseline so only freshly polled events pulse.
  useEffect(() => {
    seen.current = null;
  }, [type, search, page]);

  useEffect(() => {
    if (!events.data || events.isPlaceholderData) return;
    const seqs = events.data.results.map(eventKey);
    if (seen.current === null) {
      seen.current = new Set(seqs);
      return;
    }
    const fresh = newSeqs(seen.current, seqs);
    seqs.forEach((s) => seen.current!.add(s));
    if (fresh.size) {
      setPulse(fresh);
      const id = window.setTimeout(() => setPulse(new Set()), 2400);
      return () => window.clearTimeout(id);
    }
  }, [events.data, events.isPlaceholderData]);

  const toggle = (key: string) =>
    setExpanded((s) => {
      const n = new Set(s);
      if (n.has(key)) n.delete(key);
      else n.add(key);
      return n;
    });

  const copy = async (e: JobEvent) => {
    try {
      await copyText(JSON.stringify(e.payload, null, 2));
      toast.show('JSON copied to clipboard');
    } catch (err) {
      toast.show(`Could not copy: ${errorMessage(err)}`, 'error');
    }
  };

  const exportQ = { type: type || undefined, search: search || undefined };

  return (
    <section className="card card--flush" aria-label="Event log" data-testid="event-log">
      <div className="eventlog__toolbar">
        <label className="field field--inline">
          <span className="field__label">Event type</span>
          <select className="select" value={type} onChange={(e) => setType(e.target.value as '' | EventType)} aria-label="Filter events by type" data-testid="event-type-filter">
            {EVENT_FILTERS.map((f) => (
              <option key={f.value} value={f.value}>
                {f.label}
              </option>
            ))}
          </select>
        </label>
        <SearchBox value={searchInput} onChange={setSearchInput} placeholder="Search messages…" ariaLabel="Search events" testId="event-search" />
        <div className="row">
          <a className="btn btn--secondary btn--sm" href={eventsExportUrl(jobId, 'json', exportQ)} download data-testid="export-json">
            ⤓ Export JSON
          </a>
          <a className="btn btn--secondary btn--sm" href={eventsExportUrl(jobId, 'csv', exportQ)} download data-testid="export-csv">
            ⤓ Export CSV
          </a>
        </div>
        <span className="eventlog__live" aria-live="off">
          {live ? (
            <>
              <span className="live-dot" aria-hidden="true" /> {page === 1 ? 'Live · updates every 10 s' : 'Live updates paused on older pages'}
            </>
          ) : (
            'Job finished · no new events'
          )}
          {events.isFetching ? ' · updating…' : ''}
        </span>
      </div>
      {events.isError && !events.data ? (
        <div style={{ padding: 16 }}>
          <ErrorState title="Could not load events" error={events.error} onRetry={() => events.refetch()} retrying={events.isFetching} />
        </div>
      ) : !events.isPending && rows.length === 0 ? (
        <div style={{ padding: 16 }}>
          <EmptyState
            title={type || search ? 'No matching events' : 'No events yet'}
            text={type || search ? 'Try another type or search term.' : 'Events appear here as the job moves through its stages.'}
            icon="☰"
          />
        </div>
      ) : (
        <>
          <div className="table-wrap">
            <table className="table table--events" aria-busy={events.isFetching}>
              <thead>
                <tr>
                  <th scope="col">Timestamp</th>
                  <th scope="col">Type</th>
                  <th scope="col">Message</th>
                  <th scope="col" className="col-actions">
                    <span className="visually-hidden">Details</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {events.isPending
                  ? Array.from({ length: 8 }, (_, i) => (
                      <tr key={i} aria-hidden="true">
                        <td><Skeleton width={90} /></td>
                        <td><Skeleton width={70} /></td>
                        <td><Skeleton width="70%" /></td>
                        <td />
                      </tr>
                    ))
                  : rows.map((e) => {
                      const meta = EVENT_TYPE_META[e.type] ?? { label: e.type, tone: 'grey' as const };
                      const key = eventKey(e);
                      const open = expanded.has(key);
                      const payloadId = `event-payload-${key}`;
                      return (
                        <Fragment key={key}>
                          <tr
                            className={`row-link${pulse.has(key) ? ' event-row--new' : ''}${open ? ' event-row--expanded' : ''}`}
                            onClick={() => toggle(key)}
                            data-testid="event-row"
                            data-type={e.type}
                          >
                            <td className="col-time" title={formatDateTime(e.created_at)}>
                              <time dateTime={e.created_at}>{formatEventTime(e.created_at)}</time>
                            </td>
                            <td className="col-type">
                              <Badge tone={meta.tone} label={`Event type: ${meta.label}`}>
                                {meta.label}
                              </Badge>
                            </td>
                            <td className="col-msg">{e.message}</td>
                            <td className="col-actions">
                              <button
                                type="button"
                                className="icon-btn expand-btn"
                                aria-expanded={open}
                                aria-controls={payloadId}
                                aria-label={open ? 'Hide event details' : 'Show event details'}
                                onClick={(ev) => {
                                  ev.stopPropagation();
                                  toggle(key);
                                }}
                              >
                                ▾
                              </button>
                            </td>
                          </tr>
                          {open ? (
                            <tr className="event-payload" id={payloadId}>
                              <td colSpan={4}>
                                <div className="payload-box">
                                  <JsonView value={e.payload} label={`Payload of event ${e.seq}`} />
                                  <button type="button" className="btn btn--secondary btn--sm payload-box__copy" onClick={() => copy(e)}>
                                    Copy JSON
                                  </button>
                                </div>
                                <div className="cell-sub" style={{ marginTop: 6 }}>
                                  #{e.seq} · attempt {e.attempt} · {formatDateTime(e.created_at)}
                                </div>
                              </td>
                            </tr>
                          ) : null}
                        </Fragment>
                      );
                    })}
              </tbody>
            </table>
          </div>
          {events.data ? (
            <div className="card__footer">
              <Pagination
                variant="pages"
                page={events.data.page}
                totalPages={Math.max(1, events.data.total_pages)}
                count={events.data.count}
                pageSize={events.data.page_size}
                onPageChange={setPage}
                disabled={events.isFetching && events.isPlaceholderData}
              />
            </div>
          ) : null}
        </>
      )}
    </section>
  );
}
