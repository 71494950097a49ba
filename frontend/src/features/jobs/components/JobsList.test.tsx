import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { jobListItem } from '../../../test/fixtures';
import { mockFetch, renderWithProviders } from '../../../test/render';
import { DEFAULT_STATE, type JobsListState } from '../utils/url-state';
import { JobsList } from './JobsList';

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

const page = (results = [jobListItem()], count = 47) => ({ count, page: 1, page_size: 25, total_pages: Math.ceil(count / 25) || 1, next: null, previous: null, results });

function setup(state: JobsListState = DEFAULT_STATE, body = page()) {
  const api = mockFetch((url) => {
    if (url.pathname === '/api/training/jobs') return { body };
    if (url.pathname === '/api/training/gpu-types') return { body: [{ slug: 'h100', name: 'H100', memory_gb: 80, spot_hourly_rate: 2.49, on_demand_hourly_rate: 4.1 }] };
    return undefined;
  });
  const onChange = vi.fn();
  renderWithProviders(<JobsList state={state} onChange={onChange} />, { route: '/dashboard/training-jobs' });
  return { api, onChange };
}

describe('JobsList', () => {
  it('renders rows, pagination summary and sends the filters to the API', async () => {
    const { api } = setup({ ...DEFAULT_STATE, status: 'active', dateRange: '7d', search: 'elena' });
    const row = await screen.findByTestId('job-row');
    expect(row).toHaveTextContent('Elena Morales Financial');
    expect(within(row).getByTestId('status-badge')).toHaveTextContent('Running');
    expect(row).toHaveTextContent('You');
    expect(row).toHaveTextContent('$22.18');
    expect(screen.getByTestId('pagination-summary')).toHaveTextContent('Showing 1–25 of 47 jobs');
    const call = api.calls.find((c) => c.url.pathname === '/api/training/jobs')!;
    expect(Object.fromEntries(call.url.searchParams)).toEqual({ ordering: '-created_at', page: '1', page_size: '25', status: 'active', date_range: '7d', search: 'elena' });
  });

  it('sorts by clicking a header', async () => {
    const user = userEvent.setup();
    const { onChange } = setup();
    await screen.findByTestId('job-row');
    await user.click(screen.getByRole('button', { name: /Cost/ }));
    expect(onChange).toHaveBeenCalledWith({ ordering: '-cost' });
  });

  it('debounces search by 500 ms', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const { onChange } = setup();
    await screen.findByTestId('job-row');
    fireEvent.change(screen.getByTestId('jobs-search'), { target: { value: 'ele' } });
    act(() => vi.advanceTimersByTime(300));
    expect(onChange).not.toHaveBeenCalled();
    act(() => vi.advanceTimersByTime(250));
    expect(onChange).toHaveBeenCalledWith({ search: 'ele' });
  });

  it('offers only allowed actions in the row menu', async () => {
    const user = userEvent.setup();
    setup(DEFAULT_STATE, page([jobListItem({ allowed_actions: ['delete'], status: 'completed' })], 1));
    await user.click(await screen.findByRole('button', { name: 'Actions for Elena Morales Financial' }));
    const items = screen.getAllByRole('menuitem').map((i) => i.textContent);
    expect(items).toEqual(['View Details', 'Duplicate', 'Delete']);
    expect(screen.getByTestId('pagination-summary')).toHaveTextContent('Showing 1–1 of 1 job');
  });

  it('shows the first-job empty state', async () => {
    setup(DEFAULT_STATE, page([], 0));
    expect(await screen.findByRole('link', { name: 'Create Your First Training Job' })).toHaveAttribute('href', '/training-jobs/new');
  });

  it('shows a filtered empty state with Clear filters', async () => {
    const { onChange } = setup({ ...DEFAULT_STATE, search: 'zzz' }, page([], 0));
    expect(await screen.findByText('No jobs match your filters')).toBeInTheDocument();
    const buttons = screen.getAllByRole('button', { name: 'Clear filters' });
    await userEvent.setup().click(buttons[buttons.length - 1]);
    expect(onChange).toHaveBeenCalledWith({ tab: 'all', status: '', dateRange: '', search: '', creator: '', gpuType: '' });
  });

  it('shows an error with Retry', async () => {
    mockFetch(() => ({ status: 500, body: {} }));
    renderWithProviders(<JobsList state={DEFAULT_STATE} onChange={vi.fn()} />);
    expect(await screen.findByText('Could not load training jobs')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Retry' })).toBeInTheDocument();
  });

  it('shows skeleton rows while loading', async () => {
    mockFetch(() => new Promise(() => {}) as never);
    renderWithProviders(<JobsList state={DEFAULT_STATE} onChange={vi.fn()} />);
    await waitFor(() => expect(document.querySelectorAll('.row-skeleton').length).toBeGreaterThan(0));
  });
});
