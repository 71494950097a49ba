import type { EventType } from '../../../lib/api-types';
import { EVENT_TYPE_META } from '../../../lib/status';

/** The event log's view in the page URL, so a reload or a shared link shows the same rows:
 * `ev_type` (one event type), `ev_q` (search), `ev_page` (page number, from 1). */
export interface EventLogView {
  type: '' | EventType;
  search: string;
  page: number;
}

export const EVENT_LOG_PARAMS = { type: 'ev_type', search: 'ev_q', page: 'ev_page' } as const;

export function readEventLogView(params: URLSearchParams): EventLogView {
  const rawType = params.get(EVENT_LOG_PARAMS.type) ?? '';
  const type = (Object.prototype.hasOwnProperty.call(EVENT_TYPE_META, rawType) ? rawType : '') as '' | EventType;
  const page = Number.parseInt(params.get(EVENT_LOG_PARAMS.page) ?? '1', 10);
  return { type, search: (params.get(EVENT_LOG_PARAMS.search) ?? '').slice(0, 200), page: Number.isFinite(page) && page >= 1 ? page : 1 };
}

/** Writes the view into `params` (defaults are left out, other parameters kept). */
export function writeEventLogView(params: URLSearchParams, view: EventLogView): URLSearchParams {
  const next = new URLSearchParams(params);
  const set = (k: string, v: string | null) => (v ? next.set(k, v) : next.delete(k));
  set(EVENT_LOG_PARAMS.type, view.type || null);
  set(EVENT_LOG_PARAMS.search, view.search.trim() || null);
  set(EVENT_LOG_PARAMS.page, view.page > 1 ? String(view.page) : null);
  return next;
}
