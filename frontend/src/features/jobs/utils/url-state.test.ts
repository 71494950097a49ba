import { describe, expect, it } from 'vitest';
import {
  DEFAULT_STATE,
  hasActiveFilters,
  parseJobsListState,
  serializeJobsListState,
  sortDirection,
  toJobsApiQuery,
  toggleOrdering,
  updateJobsListState,
} from './url-state';

describe('jobs list URL state', () => {
  it('parses the spec example URL', () => {
    const s = parseJobsListState(new URLSearchParams('status=active&dateRange=7d&search=elena'));
    expect(s).toEqual({ ...DEFAULT_STATE, status: 'active', dateRange: '7d', search: 'elena' });
  });

  it('falls back to defaults for junk values', () => {
    const s = parseJobsListState(new URLSearchParams('tab=nope&status=bogus&dateRange=1y&page=-3&pageSize=7&ordering=password'));
    expect(s).toEqual(DEFAULT_STATE);
  });

  it('accepts comma lists of statuses and valid page sizes', () => {
    const s = parseJobsListState(new URLSearchParams('status=failed,cancelled&pageSize=50&page=3&ordering=-cost'));
    expect(s.status).toBe('failed,cancelled');
    expect(s.pageSize).toBe(50);
    expect(s.page).toBe(3);
    expect(s.ordering).toBe('-cost');
  });

  it('serializes only non-default values', () => {
    expect(serializeJobsListState(DEFAULT_STATE).toString()).toBe('');
    const sp = serializeJobsListState({ ...DEFAULT_STATE, status: 'active', dateRange: '7d', search: ' elena ' });
    expect(sp.toString()).toBe('status=active&dateRange=7d&search=elena');
  });

  it('round-trips', () => {
    const state = { ...DEFAULT_STATE, tab: 'completed' as const, gpuType: 'h100', creator: 'me', ordering: 'name', page: 2 };
    expect(parseJobsListState(serializeJobsListState(state))).toEqual(state);
  });

  it('resets the page when anything but the page changes', () => {
    const s = { ...DEFAULT_STATE, page: 4 };
    expect(updateJobsListState(s, { search: 'x' }).page).toBe(1);
    expect(updateJobsListState(s, { page: 5 }).page).toBe(5);
  });

  it('switching to a status tab clears the status filter', () => {
    const s = { ...DEFAULT_STATE, status: 'failed' };
    expect(updateJobsListState(s, { tab: 'active' }).status).toBe('');
  });

  it('builds the API query; tabs override the status filter', () => {
    expect(toJobsApiQuery({ ...DEFAULT_STATE, status: 'failed', dateRange: '30d', search: 'elena', gpuType: 'h100', creator: 'me' })).toEqual({
      ordering: '-created_at',
      page: 1,
      page_size: 25,
      status: 'failed',
      date_range: '30d',
      search: 'elena',
      gpu_type: 'h100',
      creator: 'me',
    });
    expect(toJobsApiQuery({ ...DEFAULT_STATE, tab: 'active', status: 'failed' }).status).toBe('active');
    expect(toJobsApiQuery({ ...DEFAULT_STATE, tab: 'completed' }).status).toBe('completed');
    expect(toJobsApiQuery(DEFAULT_STATE).status).toBeUndefined();
  });

  it('toggles sort order', () => {
    expect(toggleOrdering('-created_at', 'name')).toBe('name');
    expect(toggleOrdering('name', 'name')).toBe('-name');
    expect(toggleOrdering('-name', 'name')).toBe('name');
    expect(toggleOrdering('-created_at', 'cost')).toBe('-cost');
    expect(sortDirection('-cost', 'cost')).toBe('descending');
    expect(sortDirection('cost', 'cost')).toBe('ascending');
    expect(sortDirection('cost', 'name')).toBe('none');
  });

  it('knows when filters are active', () => {
    expect(hasActiveFilters(DEFAULT_STATE)).toBe(false);
    expect(hasActiveFilters({ ...DEFAULT_STATE, search: 'a' })).toBe(true);
  });
});
