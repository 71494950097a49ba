import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router';
import { describe, expect, it, vi } from 'vitest';
import { jobDetail } from '../../../test/fixtures';
import { CANCEL_TIMEOUT_WARNING_S, JobBanners } from './JobBanners';
import { JobHeader } from './JobHeader';

const header = (over: Partial<Parameters<typeof JobHeader>[0]> = {}) => {
  const props = { job: jobDetail(), refreshing: false, refreshDisabled: false, onRefresh: vi.fn(), canCancel: true, onCancel: vi.fn(), ...over };
  render(
    <MemoryRouter>
      <JobHeader {...props} />
    </MemoryRouter>,
  );
  return props;
};

describe('JobHeader', () => {
  it('offers Cancel Job when the API allows it and calls back on Refresh and Cancel', async () => {
    const user = userEvent.setup();
    const { onRefresh, onCancel } = header();
    expect(screen.getByTestId('job-name')).toHaveTextContent('Elena Morales Financial');
    await user.click(screen.getByRole('button', { name: 'Refresh job data' }));
    await user.click(screen.getByRole('button', { name: 'Cancel Job' }));
    expect(onRefresh).toHaveBeenCalledTimes(1);
    expect(onCancel).toHaveBeenCalledTimes(1);
  });

  it('shows the cancel outcome instead of the button once cancelling or cancelled', () => {
    header({ job: jobDetail({ status: 'cancelled' }), canCancel: false });
    expect(screen.queryByRole('button', { name: 'Cancel Job' })).toBeNull();
    expect(screen.getByTestId('job-cancelled-indicator')).toHaveTextContent('Job Cancelled');
  });

  it('disables Refresh while a refresh runs', () => {
    header({ refreshing: true, refreshDisabled: true });
    expect(screen.getByTestId('refresh-button')).toBeDisabled();
  });
});

describe('JobBanners', () => {
  const banners = (over: Partial<Parameters<typeof JobBanners>[0]> = {}) =>
    render(<JobBanners job={jobDetail()} refreshError={null} onRetry={vi.fn()} cancelWaitingS={null} canCancel onCancel={vi.fn()} {...over} />);

  it('warns about a slow cancel only past the timeout', () => {
    const { rerender } = banners({ job: jobDetail({ status: 'cancelling' }), cancelWaitingS: CANCEL_TIMEOUT_WARNING_S });
    expect(screen.queryByTestId('cancel-timeout-warning')).toBeNull();
    rerender(<JobBanners job={jobDetail({ status: 'cancelling' })} refreshError={null} onRetry={vi.fn()} cancelWaitingS={CANCEL_TIMEOUT_WARNING_S + 1} canCancel={false} onCancel={vi.fn()} />);
    expect(screen.getByTestId('cancel-timeout-warning')).toHaveTextContent('Still stopping');
  });

  it('shows the stale-data alert with a working Retry', async () => {
    const user = userEvent.setup();
    const onRetry = vi.fn();
    banners({ refreshError: new Error('network down'), onRetry });
    expect(screen.getByRole('alert')).toHaveTextContent('refreshing failed: network down');
    await user.click(screen.getByRole('button', { name: 'Retry' }));
    expect(onRetry).toHaveBeenCalledTimes(1);
  });
});
