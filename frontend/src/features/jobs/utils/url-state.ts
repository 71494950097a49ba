/** Jobs-list state <-> URL search params <-> API query. Pure so it is easy to test. */

export type JobsTab = 'all' | 'queue' | 'active' | 'completed';
export type DateRange = '' | '7d' | '30d' | '90d';

export interface JobsListState {
  tab: JobsTab;
  status: string;
  dateRange: DateRange;
  search: string;
  creator: string;
  gpuType: string;
  ordering: string;
  page: number;
  pageSize: number;
}

export const DEFAULT_ORDERING = '-created_at';
export const PAGE_SIZES = [25, 50, 100] as const;

export const DEFAULT_STATE: JobsListState = {
  tab: 'all',
  status: '',
  dateRange: '',
  search: '',
  creator: '',
  gpuType: '',
  ordering: DEFAULT_ORDERING,
  page: 1,
  pageSize: 25,
};

export const STATUS_FILTERS: { value: string; label: string }[] = [
  { value: '', label: 'All statuses' },
  { value: 'queued', label: 'Queued' },
  { value: 'active', label: 'Active' },
  { value: 'completed', label: 'Completed' },
  { value: 'failed', label: 'Failed' },
  { value: 'cancelled', label: 'Cancelled' },
];

const STATUS_VALUES = new Set([
  'queued', 'provisioning', 'running', 'cancelling', 'completed', 'failed', 'cancelled', 'paused', 'active',
]);
const TABS: JobsTab[] = ['all', 'queue', 'active', 'completed'];
const DATE_RANGES: DateRange[] = ['7d', '30d', '90d'];
export const SORTABLE_FIELDS = ['created_at', 'name', 'status', 'started_at', 'duration', 'cost'] as const;
export type SortField = (typeof SORTABLE_FIELDS)[number];

function positiveInt(v: string | null, fallback: number): number {
  if (!v || !/^\d+$/.test(v)) return fallback;
  const n = Number(v);
  return n >= 1 ? n : fallback;
}

function validStatus(v: string): string {
  const parts = v.split(',').map((s) => s.trim()).filter(Boolean);
  return parts.length && parts.every((p) => STATUS_VALUES.has(p)) ? parts.join(',') : '';
}

function validOrdering(v: string | null): string {
  if (!v) return DEFAULT_ORDERING;
  const field = v.startsWith('-') ? v.slice(1) : v;
  return (SORTABLE_FIELDS as readonly string[]).includes(field) ? v : DEFAULT_ORDERING;
}

export function parseJobsListState(sp: URLSearchParams): JobsListState {
  const tab = sp.get('tab') as JobsTab | null;
  const dateRange = sp.get('dateRange') as DateRange | null;
  const pageSize = positiveInt(sp.get('pageSize'), 25);
  return {
    tab: tab && TABS.includes(tab) ? tab : 'all',
    status: validStatus(sp.get('status') ?? ''),
    dateRange: dateRange && DATE_RANGES.includes(dateRange) ? dateRange : '',
    search: (sp.get('search') ?? '').slice(0, 200),
    creator: sp.get('creator') ?? '',
    gpuType: sp.get('gpuType') ?? '',
    ordering: validOrdering(sp.get('ordering')),
    page: positiveInt(sp.get('page'), 1),
    pageSize: (PAGE_SIZES as readonly number[]).includes(pageSize) ? pageSize : 25,
  };
}

/** Only non-default values go into the URL, in a stable order. */
export function serializeJobsListState(state: JobsListState): URLSearchParams {
  const sp = new URLSearchParams();
  if (state.tab !== 'all') sp.set('tab', state.tab);
  if (state.status) sp.set('status', state.status);
  if (state.dateRange) sp.set('dateRange', state.dateRange);
  if (state.search.trim()) sp.set('search', state.search.trim());
  if (state.creator) sp.set('creator', state.creator);
  if (state.gpuType) sp.set('gpuType', state.gpuType);
  if (state.ordering !== DEFAULT_ORDERING) sp.set('ordering', state.ordering);
  if (state.pageSize !== 25) sp.set('pageSize', String(state.pageSize));
  if (state.page > 1) sp.set('page', String(state.page));
  return sp;
}

/** Applies a change; any change other than the page itself goes back to page 1. */
export function updateJobsListState(state: JobsListState, patch: Partial<JobsListState>): JobsListState {
  const next = { ...state, ...patch };
  if (!('page' in patch)) next.page = 1;
  if ('tab' in patch && patch.tab !== state.tab && patch.tab !== 'all') next.status = '';
  return next;
}

/** Query parameters for GET /api/training/jobs. */
export function toJobsApiQuery(state: JobsListState): Record<string, string | number> {
  const q: Record<string, string | number> = {
    ordering: state.ordering,
    page: state.page,
    page_size: state.pageSize,
  };
  const status = state.tab === 'active' ? 'active' : state.tab === 'completed' ? 'completed' : state.status;
  if (status) q.status = status;
  if (state.dateRange) q.date_range = state.dateRange;
  if (state.search.trim()) q.search = state.search.trim();
  if (state.creator) q.creator = state.creator;
  if (state.gpuType) q.gpu_type = state.gpuType;
  return q;
}

/** Clicking a header: first click sorts name A→Z and everything else newest/largest first; clicking again flips. */
export function toggleOrdering(current: string, field: SortField): string {
  if (current === field) return `-${field}`;
  if (current === `-${field}`) return field;
  return field === 'name' ? 'name' : `-${field}`;
}

export function sortDirection(current: string, field: SortField): 'ascending' | 'descending' | 'none' {
  if (current === field) return 'ascending';
  if (current === `-${field}`) return 'descending';
  return 'none';
}

export function hasActiveFilters(state: JobsListState): boolean {
  return !!(state.status || state.dateRange || state.search.trim() || state.creator || state.gpuType);
}
