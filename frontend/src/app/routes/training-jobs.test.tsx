import { act, fireEvent, screen } from '@testing-library/react';
import { useLocation } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { jobListItem } from '../../test/fixtures';
import { mockFetch, renderWithProviders } from '../../test/render';
import { TrainingJobsRoute } from './training-jobs';

afterEach(() => vi.unstubAllGlobals());

function Url() {
  const location = useLocation();
  return <output data-testid="url">{location.search}</output>;
}

describe('TrainingJobsRoute', () => {
  it('keeps every filter change made before the page re-renders', async () => {
    mockFetch((url) => {
      if (url.pathname === '/api/training/jobs')
        return { body: { count: 1, page: 1, page_size: 25, total_pages: 1, next: null, previous: null, results: [jobListItem()] } };
      if (url.pathname === '/api/training/gpu-types') return { body: [] };
      if (url.pathname === '/api/training/queue') return { body: { queued: [], depth: 0 } };
      return undefined;
    });
    renderWithProviders(
      <>
        <TrainingJobsRoute />
        <Url />
      </>,
      { route: '/dashboard/training-jobs?status=active' },
    );
    await screen.findByTestId('job-row');
    // Two changes in one tick, as a fast user or a browser test makes them: the second must not
    // be computed from the URL the first one replaced.
    act(() => {
      fireEvent.change(screen.getByLabelText('Status filter'), { target: { value: '' } });
      fireEvent.change(screen.getByLabelText('Date range filter'), { target: { value: '7d' } });
    });
    const params = new URLSearchParams(screen.getByTestId('url').textContent ?? '');
    expect(params.get('status')).toBeNull();
    expect(params.get('dateRange')).toBe('7d');
  });
});
