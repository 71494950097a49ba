import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { jobListItem } from '../../../test/fixtures';
import { mockFetch, renderWithProviders } from '../../../test/render';
import { DEFAULT_STATE, type JobsListState } from '../utils/url-state';
import { JobsList } from './JobsList';

afterEach(() => vi.unstubAllGlobals());

const rows = [jobListItem({ id: 'a1', name: 'alpha' }), jobListItem({ id: 'b2', name: 'beta' }), jobListItem({ id: 'c3', name: 'gamma' })];
const page = { count: 40, page: 1, page_size: 25, total_pages: 2, next: null, previous: null, results: rows };

function setup(result: unknown, state: JobsListState = { ...DEFAULT_STATE, search: 'sweep', ordering: 'name' }) {
  const api = mockFetch((url, init) => {
    if (url.pathname === '/api/training/jobs/bulk' && init.method === 'POST') return { body: result };
    if (url.pathname === '/api/training/jobs') return { body: page };
    if (url.pathname === '/api/training/gpu-types') return { body: [] };
    if (url.pathname === '/api/auth/csrf') return { status: 204 };
    return undefined;
  });
  renderWithProviders(<JobsList state={state} onChange={vi.fn()} />, { route: '/dashboard/training-jobs' });
  return api;
}

describe('JobsList bulk actions', () => {
  it('cancels the selected rows with one reason and lists what was refused', async () => {
    const api = setup({
      action: 'cancel',
      matched: 2,
      done: ['a1'],
      unchanged: [],
      refused: [{ id: 'c3', name: 'gamma', code: 'permission_denied', message: "Only the job's creator or a manager can cancel it." }],
    });
    const user = userEvent.setup();
    await screen.findAllByTestId('job-row');
    expect(screen.queryByTestId('bulk-bar')).toBeNull();
    await user.click(screen.getByRole('checkbox', { name: 'Select alpha' }));
    await user.click(screen.getByRole('checkbox', { name: 'Select gamma' }));
    expect(screen.getByTestId('bulk-count')).toHaveTextContent('2 selected');
    expect(screen.getByRole('checkbox', { name: 'Select all jobs on this page' })).toHaveProperty('indeterminate', true);
    // Export of the selection: the list's filter and sort, only these ids.
    expect(screen.getByTestId('bulk-export')).toHaveAttribute('href', '/api/training/jobs/export?ordering=name&search=sweep&ids=a1%2Cc3');

    await user.click(screen.getByTestId('bulk-cancel'));
    const modal = await screen.findByTestId('bulk-cancel-modal');
    expect(within(modal).getByTestId('bulk-cancel-confirm')).toBeDisabled();
    await user.selectOptions(within(modal).getByTestId('bulk-cancel-reason'), 'cost_too_high');
    await user.click(within(modal).getByTestId('bulk-cancel-confirm'));

    const result = await screen.findByTestId('bulk-result');
    expect(screen.getByTestId('bulk-result-summary')).toHaveTextContent('Cancelled 1 of 2 · 1 refused');
    expect(within(result).getByTestId('bulk-refusal')).toHaveTextContent("gamma: Only the job's creator or a manager can cancel it.");
    const post = api.calls.find((c) => c.url.pathname === '/api/training/jobs/bulk');
    expect(post?.body).toEqual({ action: 'cancel', reason: 'cost_too_high', notes: '', ids: ['a1', 'c3'] });
    await waitFor(() => expect(screen.queryByTestId('bulk-bar')).toBeNull()); // the selection is cleared
  });

  it('selects every job matching the filter and deletes by the filter, not by ids', async () => {
    const api = setup({ action: 'delete', matched: 40, done: Array.from({ length: 38 }, (_, i) => `x${i}`), unchanged: [], refused: [] });
    const user = userEvent.setup();
    await screen.findAllByTestId('job-row');
    await user.click(screen.getByRole('checkbox', { name: 'Select all jobs on this page' }));
    expect(screen.getByTestId('bulk-count')).toHaveTextContent('3 selected');
    await user.click(screen.getByTestId('select-all-matching'));
    expect(screen.getByTestId('bulk-count')).toHaveTextContent('All 40 matching jobs selected');
    expect(screen.getByTestId('bulk-export')).toHaveAttribute('href', '/api/training/jobs/export?ordering=name&search=sweep');
    await user.click(screen.getByTestId('bulk-delete'));
    await user.click(within(await screen.findByTestId('bulk-delete-modal')).getByRole('button', { name: 'Delete finished jobs' }));
    expect(await screen.findByTestId('bulk-result-summary')).toHaveTextContent('Deleted 38 of 40');
    const post = api.calls.find((c) => c.url.pathname === '/api/training/jobs/bulk');
    expect(post?.body).toEqual({ action: 'delete', notes: '', filter: { search: 'sweep' } });
  });

  it('offers the whole list as CSV, filtered and sorted like the table', async () => {
    setup({}, { ...DEFAULT_STATE, tab: 'completed', ordering: '-cost', creator: 'me', page: 2 });
    await screen.findAllByTestId('job-row');
    expect(screen.getByTestId('export-csv')).toHaveAttribute('href', '/api/training/jobs/export?ordering=-cost&status=completed&creator=me');
  });
});
