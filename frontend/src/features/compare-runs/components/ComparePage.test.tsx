import { fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { jobListItem } from '../../../test/fixtures';
import { mockFetch, renderWithProviders } from '../../../test/render';
import { A, B, run } from '../utils/test-fixtures';
import { ComparePage } from './ComparePage';

afterEach(() => vi.unstubAllGlobals());

const list = { count: 2, page: 1, page_size: 50, total_pages: 1, next: null, previous: null, results: [jobListItem({ id: A, name: 'lr-low' }), jobListItem({ id: B, name: 'lr-high' })] };

describe('ComparePage', () => {
  it('selecting two jobs loads the comparison and puts them in the URL', async () => {
    const { calls } = mockFetch((url) => {
      if (url.pathname === '/api/training/jobs') return { body: list };
      if (url.pathname === '/api/training/jobs/compare')
        return { body: { differing: ['learning_rate'], runs: [run(), run({ id: B, name: 'lr-high', config: { ...run().config, learning_rate: 0.0003 } })] } };
      return undefined;
    });
    renderWithProviders(<ComparePage />, { route: '/compare', path: '/compare' });
    expect(await screen.findByText('Select at least two runs')).toBeInTheDocument();
    // Two ticks in quick succession (no render in between) both count.
    const first = await screen.findByLabelText('Compare lr-low');
    fireEvent.click(first);
    fireEvent.click(screen.getByLabelText('Compare lr-high'));
    const table = await screen.findByTestId('compare-table');
    expect(within(table).getByTestId('compare-row-learning_rate')).toHaveTextContent('0.0003');
    const asked = calls.filter((c) => c.url.pathname.endsWith('/compare'));
    expect(asked.at(-1)!.url.searchParams.get('jobs')).toBe(`${A},${B}`);
    expect(screen.getByTestId('compare-chart')).toHaveAttribute('data-curves', '4');
  });
  it('opens straight from a shared link', async () => {
    mockFetch((url) => {
      if (url.pathname === '/api/training/jobs') return { body: list };
      if (url.pathname === '/api/training/jobs/compare') return { body: { differing: [], runs: [run(), run({ id: B, name: 'same' })] } };
      return undefined;
    });
    renderWithProviders(<ComparePage />, { route: `/compare?jobs=${A},${B}&show=val`, path: '/compare' });
    expect(await screen.findByTestId('compare-no-diff')).toHaveTextContent('differ in none of their 3 settings');
    expect(screen.getByTestId('compare-show')).toHaveValue('val');
    expect(screen.getByTestId('compare-chart')).toHaveAttribute('data-curves', '2');
  });
});
