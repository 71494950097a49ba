import { act, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { QueueState } from '../../../lib/api-types';
import { jobListItem } from '../../../test/fixtures';
import { makeClient, mockFetch, renderWithProviders, testUser } from '../../../test/render';
import { QueueView } from './QueueView';

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

function queue(over: Partial<QueueState> = {}): QueueState {
  const start = new Date(Date.now() + (3 * 3600 + 20 * 60) * 1000).toISOString();
  return {
    concurrency_limit: 3,
    active_count: 2,
    active: [
      { slot: 0, job: jobListItem({ id: 'a', name: 'Job A', percent_complete: 42 }), estimated_finish_at: new Date(Date.now() + 3600_000).toISOString() },
      { slot: 1, job: jobListItem({ id: 'b', name: 'Job B', percent_complete: 78 }), estimated_finish_at: new Date(Date.now() + 3600_000).toISOString() },
    ],
    queued: Array.from({ length: 9 }, (_, i) => ({
      position: i + 1,
      job: jobListItem({ id: `q${i}`, name: `Queued ${i + 1}`, status: 'queued', stage: null, queue_position: i + 1, allowed_actions: ['remove_from_queue'] }),
      estimated_start_at: start,
      wait_seconds: 60,
      pool: 'cpu',
      passable_until: start,
      reason: i === 0 ? 'Global limit of 3 reached — position 1 of 9 in the CPU pool' : `Position ${i + 1} of 9 in the CPU pool`,
    })),
    pools: [{ gpu_type: 'cpu', name: 'CPU', live_workers: 3, capacity: 3 }],
    depth: 9,
    analytics: { depth: 9, started_last_hour: 4, average_wait_seconds_24h: 600, longest_wait_seconds_24h: 3600, average_wait_seconds_7d: 500, longest_wait_seconds_7d: 7200 },
    ...over,
  };
}

describe('QueueView', () => {
  it('shows slots, position badges with colours, countdown and actions', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    mockFetch((url) => (url.pathname === '/api/training/queue' ? { body: queue() } : undefined));
    renderWithProviders(<QueueView />);
    expect(await screen.findByText('Active training jobs: 2 of 3 slots')).toBeInTheDocument();
    expect(screen.getAllByTestId('slot-busy')).toHaveLength(2);
    expect(screen.getAllByTestId('slot-free')).toHaveLength(1);
    const badges = screen.getAllByTestId('position-badge');
    expect(badges[0]).toHaveTextContent('#1');
    expect(badges[0]).toHaveClass('badge--green');
    expect(badges[3]).toHaveClass('badge--yellow');
    expect(badges[7]).toHaveClass('badge--orange');
    const first = screen.getAllByTestId('queue-card')[0];
    expect(within(first).getByTestId('estimated-start')).toHaveTextContent(/\(in 3h (19|20)m\)/);
    expect(within(first).getByTestId('queue-reason')).toHaveTextContent('Global limit of 3 reached — position 1 of 9 in the CPU pool');
    expect(within(first).getByRole('button', { name: 'Remove from queue' })).toBeInTheDocument();
    expect(within(first).queryByRole('button', { name: 'Promote to front' })).not.toBeInTheDocument();
    expect(screen.getByTestId('queue-analytics')).toHaveTextContent('Started last hour4');
  });

  it('counts down every second', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const soon = queue({ queued: [{ ...queue().queued[0], estimated_start_at: new Date(Date.now() + 125_000).toISOString() }] });
    mockFetch((url) => (url.pathname === '/api/training/queue' ? { body: soon } : undefined));
    renderWithProviders(<QueueView />);
    const el = await screen.findByTestId('estimated-start');
    const before = el.textContent;
    act(() => vi.advanceTimersByTime(3000));
    expect(el.textContent).not.toBe(before);
    expect(el.textContent).toMatch(/in 2m 0[0-5]s/);
  });

  it('managers can promote', async () => {
    mockFetch((url) => (url.pathname === '/api/training/queue' ? { body: queue() } : undefined));
    renderWithProviders(<QueueView />, { client: makeClient({ ...testUser, is_manager: true }) });
    const second = (await screen.findAllByTestId('queue-card'))[1];
    expect(within(second).getByRole('button', { name: 'Promote to front' })).toBeInTheDocument();
  });

  it('marks high and low priority jobs, not normal ones', async () => {
    const base = queue();
    const queued = base.queued.slice(0, 3).map((e, i) => ({ ...e, job: { ...e.job, priority: (['high', 'normal', 'low'] as const)[i] } }));
    mockFetch((url) => (url.pathname === '/api/training/queue' ? { body: { ...base, queued } } : undefined));
    renderWithProviders(<QueueView />);
    const cards = await screen.findAllByTestId('queue-card');
    expect(within(cards[0]).getByTestId('priority-badge')).toHaveTextContent('High priority');
    expect(within(cards[1]).queryByTestId('priority-badge')).not.toBeInTheDocument();
    expect(within(cards[2]).getByTestId('priority-badge')).toHaveTextContent('Low priority');
  });

  it('has an empty state', async () => {
    mockFetch((url) => (url.pathname === '/api/training/queue' ? { body: queue({ queued: [], depth: 0 }) } : undefined));
    renderWithProviders(<QueueView />);
    expect(await screen.findByText('Queue is empty')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Create New Training Job' })).toBeInTheDocument();
  });
});
