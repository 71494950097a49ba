import { useEffect, useState } from 'react';
import { useDebouncedValue } from '../../../lib/hooks';
import { useGpuTypes } from '../api/get-gpu-types';
import { STATUS_FILTERS, hasActiveFilters, type DateRange, type JobsListState } from '../utils/url-state';
import { SearchBox } from '../../../components/SearchBox';

export const SEARCH_DEBOUNCE_MS = 500;

interface Props {
  state: JobsListState;
  onChange: (patch: Partial<JobsListState>) => void;
  showStatus: boolean;
}

export function JobsFilters({ state, onChange, showStatus }: Props) {
  const gpuTypes = useGpuTypes();
  const [search, setSearch] = useState(state.search);
  const [open, setOpen] = useState(false);
  const debounced = useDebouncedValue(search, SEARCH_DEBOUNCE_MS);

  // URL → input (back/forward, "clear filters").
  useEffect(() => {
    setSearch(state.search);
  }, [state.search]);

  // Input → URL, debounced.
  useEffect(() => {
    if (debounced.trim() !== state.search.trim()) onChange({ search: debounced });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [debounced]);

  const activeCount = [showStatus && state.status, state.dateRange, state.creator, state.gpuType].filter(Boolean).length;

  return (
    <div className={`filters${open ? ' filters--open' : ''}`} role="search" aria-label="Filter jobs">
      <div className="filters__row">
        <div className="filters__more" id="jobs-filters-more">
        {showStatus ? (
          <label className="field field--inline">
            <span className="field__label">Status</span>
            <select className="select" value={state.status} onChange={(e) => onChange({ status: e.target.value })} aria-label="Status filter">
              {STATUS_FILTERS.map((o) => (
                <option key={o.value} value={o.value}>
                  {o.label}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        <label className="field field--inline">
          <span className="field__label">Date range</span>
          <select
            className="select"
            value={state.dateRange}
            onChange={(e) => onChange({ dateRange: e.target.value as DateRange })}
            aria-label="Date range filter"
          >
            <option value="">Any time</option>
            <option value="7d">Last 7 days</option>
            <option value="30d">Last 30 days</option>
            <option value="90d">Last 90 days</option>
          </select>
        </label>
        <label className="field field--inline">
          <span className="field__label">Created by</span>
          <select className="select" value={state.creator} onChange={(e) => onChange({ creator: e.target.value })} aria-label="Creator filter">
            <option value="">Anyone</option>
            <option value="me">Me</option>
          </select>
        </label>
        <label className="field field--inline">
          <span className="field__label">GPU type</span>
          <select className="select" value={state.gpuType} onChange={(e) => onChange({ gpuType: e.target.value })} aria-label="GPU type filter">
            <option value="">All GPUs</option>
            {(gpuTypes.data ?? []).map((g) => (
              <option key={g.slug} value={g.slug}>
                {g.name}
              </option>
            ))}
            {state.gpuType && !gpuTypes.data?.some((g) => g.slug === state.gpuType) ? (
              <option value={state.gpuType}>{state.gpuType}</option>
            ) : null}
          </select>
        </label>
        </div>
        <div className="filters__top">
          <SearchBox value={search} onChange={setSearch} placeholder="Search by job name…" ariaLabel="Search jobs by name" testId="jobs-search" />
          <button
            type="button"
            className="btn btn--secondary filters__toggle"
            aria-expanded={open}
            aria-controls="jobs-filters-more"
            onClick={() => setOpen((o) => !o)}
          >
            Filters{activeCount ? ` (${activeCount})` : ''}
          </button>
        </div>
        {hasActiveFilters(state) ? (
          <button
            type="button"
            className="btn btn--ghost btn--sm filters__clear"
            onClick={() => {
              setSearch('');
              onChange({ status: '', dateRange: '', search: '', creator: '', gpuType: '' });
            }}
          >
            Clear filters
          </button>
        ) : null}
      </div>
    </div>
  );
}
