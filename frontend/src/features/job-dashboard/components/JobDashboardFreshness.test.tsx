import { act, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { jobDetail } from '../../../test/fixtures';
import { mockFetch, renderWithProviders } from '../../../test/render';
import { JobDashboard } from './JobDashboard';

vi.mock('./LossCurve', () => ({ LossCurve: () => <div data-testid="loss-curve" /> }));
vi.mock('./TrainingCharts', () => ({ TrainingCharts: () => <div data-testid="training-charts" /> }));

const ID = '11111111-1111-1111-1111-111111111111';

function serve(fail: { now: boolean }) {
  return mockFetch((url) => {
    if (fail.now) return { status: 503, body: { error: { code: 'server_error', message: 'Service unavailable' } } };
    if (url.pathname === `/api/training/jobs/${ID}`) return { body: jobDetail() };
    if (url.pathname === `/api/training/jobs/${ID}/metrics`) return { body: { job_id: ID, total_points: 0, downsampled: false, points: [] } };
    return undefined;
  });
}

const renderDash = () => renderWithProviders(<JobDashboard jobId={ID} renderEventLog={() => <div>events</div>} />, { route: `/training-jobs/${ID}`, path: '/training-jobs/:jobId' });

function setOnline(online: boolean) {
  vi.spyOn(navigator, 'onLine', 'get').mockReturnValue(online);
  act(() => {
    window.dispatchEvent(new Event(online ? 'online' : 'offline'));
  });
}

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

describe('JobDashboard freshness', () => {
  it('offline: a banner with the data age, frozen clocks, and Refresh answers at once', async () => {
    const user = userEvent.setup();
    const { calls } = serve({ now: false });
    renderDash();
    expect(await screen.findByTestId('updated-ago')).toHaveTextContent(/Updated just now|Updating/);
    expect(screen.queryByTestId('connection-banner')).not.toBeInTheDocument();

    setOnline(false);
    const banner = await screen.findByTestId('connection-banner');
    expect(banner).toHaveAttribute('data-connection', 'offline');
    expect(banner).toHaveTextContent('You are offline');
    expect(banner).toHaveTextContent(/The figures below are from \d\d:\d\d:\d\d/);
    expect(screen.getByTestId('updated-ago')).toHaveAttribute('data-connection', 'offline');
    const elapsed = screen.getByTestId('elapsed').textContent;

    const before = calls.length;
    await user.click(screen.getByTestId('refresh-button'));
    expect(await screen.findByText(/You are offline — showing data from/)).toBeInTheDocument();
    expect(calls.length).toBe(before); // nothing sent, nothing left spinning
    expect(screen.getByTestId('refresh-button')).not.toBeDisabled();
    await new Promise((r) => setTimeout(r, 1100));
    expect(screen.getByTestId('elapsed').textContent).toBe(elapsed); // the clock does not tick on stale data

    setOnline(true);
    await waitFor(() => expect(screen.queryByTestId('connection-banner')).not.toBeInTheDocument());
  });

  it('server unreachable: says so, with the last error and when it tries again', async () => {
    const user = userEvent.setup();
    const fail = { now: false };
    serve(fail);
    renderDash();
    await screen.findByTestId('job-name');
    fail.now = true;
    await user.click(screen.getByTestId('refresh-button'));
    const banner = await screen.findByTestId('connection-banner', {}, { timeout: 10_000 });
    expect(banner).toHaveAttribute('data-connection', 'failing');
    expect(banner).toHaveTextContent('Cannot reach the server');
    expect(banner).toHaveTextContent('Service unavailable');
    expect(banner).toHaveTextContent(/Trying again in (\d+s|1m 0s) \(polling backs off while this lasts\)/);
    fail.now = false;
    await user.click(screen.getByRole('button', { name: 'Retry now' }));
    await waitFor(() => expect(screen.queryByTestId('connection-banner')).not.toBeInTheDocument());
  });
});
