import { act, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { JobDetail } from '../../../lib/api-types';
import { jobDetail } from '../../../test/fixtures';
import { mockFetch, renderWithProviders } from '../../../test/render';
import { JobDashboard } from './JobDashboard';

vi.mock('./LossCurve', () => ({ LossCurve: ({ points }: { points: unknown[] }) => <div data-testid="loss-curve">{points.length} points</div> }));

const ID = '11111111-1111-1111-1111-111111111111';

function serve(initial: JobDetail) {
  let job = initial;
  const api = mockFetch((url, init) => {
    if (url.pathname === `/api/training/jobs/${ID}` && init.method === 'GET') return { body: job };
    if (url.pathname === `/api/training/jobs/${ID}/metrics`)
      return { body: { job_id: ID, total_points: 1, downsampled: false, points: url.searchParams.has('after_step') ? [] : [job.latest_metrics] } };
    if (url.pathname === `/api/training/jobs/${ID}/cancel`) {
      job = { ...job, status: 'cancelling', allowed_actions: [], cancel: { reason: 'cost_too_high', notes: '', cancelled_by: null, requested_at: new Date().toISOString(), cancelled_at: null } };
      return { body: job };
    }
    if (url.pathname === '/api/auth/csrf') return { status: 204 };
    return undefined;
  });
  return { api, setJob: (j: JobDetail) => (job = j) };
}

const renderDash = () => renderWithProviders(<JobDashboard jobId={ID} renderEventLog={() => <div>events</div>} />, { route: `/training-jobs/${ID}`, path: '/training-jobs/:jobId' });

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('JobDashboard', () => {
  it('shows a skeleton, then the running job', async () => {
    serve(jobDetail());
    renderDash();
    expect(screen.getByTestId('dashboard-skeleton')).toBeInTheDocument();
    expect(await screen.findByTestId('job-name')).toHaveTextContent('Elena Morales Financial');
    expect(screen.getByTestId('step-counter')).toHaveTextContent('Step 850 of 2,000');
    expect(screen.getByTestId('epoch-counter')).toHaveTextContent('Epoch 2 of 3');
    expect(screen.getByTestId('stage-badge')).toHaveTextContent('Training');
    expect(screen.getByTestId('current-spend')).toHaveTextContent('$22.18');
    expect(screen.getByRole('button', { name: 'Cancel Job' })).toBeInTheDocument();
  });

  it('cancels a job: modal, toast, Cancelled indicator', async () => {
    const user = userEvent.setup();
    const { api } = serve(jobDetail());
    document.cookie = 'csrftoken=tok123';
    renderDash();
    await user.click(await screen.findByRole('button', { name: 'Cancel Job' }));
    const confirm = screen.getByRole('button', { name: 'Confirm Cancellation' });
    expect(confirm).toBeDisabled();
    await user.selectOptions(screen.getByLabelText(/Reason for cancelling/), 'cost_too_high');
    await user.click(screen.getByLabelText('I understand this action cannot be undone'));
    await user.click(confirm);
    expect(await screen.findByText('Job cancelled. Final cost: $22.18')).toBeInTheDocument();
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(screen.queryByRole('button', { name: 'Cancel Job' })).not.toBeInTheDocument();
    expect(screen.getByTestId('job-cancelling-indicator')).toBeInTheDocument();
    const post = api.calls.find((c) => c.method === 'POST');
    expect(post?.url.pathname).toBe(`/api/training/jobs/${ID}/cancel`);
    expect(post?.body).toEqual({ reason: 'cost_too_high' });
    const init = api.fn.mock.calls.find((c) => (c[1] as RequestInit | undefined)?.method === 'POST')?.[1] as RequestInit;
    expect((init.headers as Record<string, string>)['X-CSRFToken']).toBe('tok123');
  });

  it('a cancel refused as a conflict (the job finished meanwhile) closes the dialog, says why and reloads the job', async () => {
    const user = userEvent.setup();
    const message = 'The job already completed; there is nothing to cancel.';
    let job = jobDetail();
    const api = mockFetch((url, init) => {
      if (url.pathname === `/api/training/jobs/${ID}` && init.method === 'GET') return { body: job };
      if (url.pathname === `/api/training/jobs/${ID}/metrics`) return { body: { job_id: ID, total_points: 0, downsampled: false, points: [] } };
      if (url.pathname === `/api/training/jobs/${ID}/cancel`) {
        job = jobDetail({ status: 'completed', stage: null, allowed_actions: ['delete'] });
        return { status: 409, body: { error: { code: 'conflict', message, fields: {} } } };
      }
      return undefined;
    });
    renderDash();
    await user.click(await screen.findByRole('button', { name: 'Cancel Job' }));
    await user.selectOptions(screen.getByLabelText(/Reason for cancelling/), 'cost_too_high');
    await user.click(screen.getByLabelText('I understand this action cannot be undone'));
    const reads = api.calls.filter((c) => c.method === 'GET' && c.url.pathname === `/api/training/jobs/${ID}`).length;
    await user.click(screen.getByRole('button', { name: 'Confirm Cancellation' }));
    expect(await screen.findByTestId('toast')).toHaveTextContent(`Could not cancel: ${message}`);
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    await waitFor(() => expect(api.calls.filter((c) => c.method === 'GET' && c.url.pathname === `/api/training/jobs/${ID}`).length).toBeGreaterThan(reads));
    await waitFor(() => expect(screen.queryByRole('button', { name: 'Cancel Job' })).not.toBeInTheDocument());
  });

  it('shows a cancelled job with the indicator and no polling badge', async () => {
    serve(jobDetail({ status: 'cancelled', allowed_actions: ['delete'], cancel: { reason: 'testing', notes: 'just a test', cancelled_by: { id: 1, username: 'ada', display_name: 'Ada' }, requested_at: null, cancelled_at: '2026-11-29T12:00:00Z' } }));
    renderDash();
    expect(await screen.findByTestId('job-cancelled-indicator')).toHaveTextContent('Job Cancelled');
    expect(screen.getByTestId('status-badge')).toHaveTextContent('Cancelled');
    expect(screen.getByTestId('cancelled-card')).toHaveTextContent('Reason: Testing');
  });

  it('shows the error card for a failed job and keeps partial data', async () => {
    serve(jobDetail({ status: 'failed', allowed_actions: ['delete'], error: { category: 'out_of_memory', message: 'CUDA out of memory at batch 8', step: 850, is_user_error: true } }));
    renderDash();
    const card = await screen.findByTestId('error-card');
    expect(card).toHaveTextContent('Training failed: Out of GPU memory');
    expect(card).toHaveTextContent('CUDA out of memory at batch 8');
    expect(screen.getByTestId('metric-train_loss')).toHaveTextContent('0.342');
  });

  it('warns when spend is over the estimate', async () => {
    serve(jobDetail({ cost: { ...jobDetail().cost, current_spend: 60, percent_of_estimate: 109, over_estimate: true } }));
    renderDash();
    expect(await screen.findByTestId('cost-alert')).toHaveTextContent('Cost is over the estimate');
  });

  it('does not advise cancelling a finished job that went over its estimate', async () => {
    serve(jobDetail({ status: 'completed', allowed_actions: ['delete'], cost: { ...jobDetail().cost, current_spend: 60, percent_of_estimate: 109, over_estimate: true } }));
    renderDash();
    expect(await screen.findByTestId('cost-tracker')).toHaveAttribute('data-tone', 'red');
    expect(screen.queryByTestId('cost-alert')).not.toBeInTheDocument();
  });

  it('shows queue position and estimated start for a queued job', async () => {
    serve(jobDetail({ status: 'queued', stage: null, started_at: null, queue_position: 2, queue: { position: 2, estimated_start_at: new Date(Date.now() + 3600_000 * 2).toISOString(), reason: 'Position 2 of 2 in the CPU pool (1 worker busy, next frees in ~4 min)', passable_until: null }, stages: [] }));
    renderDash();
    expect(await screen.findByTestId('queued-card')).toHaveTextContent('#2');
    expect(screen.getByTestId('queue-reason')).toHaveTextContent('Position 2 of 2 in the CPU pool (1 worker busy, next frees in ~4 min)');
    expect(screen.getByTestId('estimated-start')).toHaveTextContent(/\(in 1h 59m\)|\(in 2h 0m\)/);
    expect(screen.queryByTestId('progress-header')).not.toBeInTheDocument();
  });

  it('shows a 404 page for a missing job', async () => {
    mockFetch(() => undefined);
    renderDash();
    expect(await screen.findByTestId('not-found')).toHaveTextContent('Training job not found');
  });

  it('shows an error with Retry when loading fails', async () => {
    let fail = true;
    mockFetch((url) => {
      if (url.pathname === `/api/training/jobs/${ID}`) return fail ? { status: 500, body: {} } : { body: jobDetail() };
      if (url.pathname.endsWith('/metrics')) return { body: { job_id: ID, total_points: 0, downsampled: false, points: [] } };
      return undefined;
    });
    const user = userEvent.setup();
    renderDash();
    const retry = await screen.findByRole('button', { name: 'Retry' });
    fail = false;
    await user.click(retry);
    expect(await screen.findByTestId('job-name')).toBeInTheDocument();
  });

  it('polls every 60 s while running and stops once the job is completed', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const { api, setJob } = serve(jobDetail());
    renderDash();
    await screen.findByTestId('job-name');
    const detailCalls = () => api.calls.filter((c) => c.url.pathname === `/api/training/jobs/${ID}`).length;
    const metricCalls = () => api.calls.filter((c) => c.url.pathname.endsWith('/metrics'));
    await waitFor(() => expect(metricCalls().length).toBe(1));
    expect(metricCalls()[0].url.searchParams.get('max_points')).toBe('1000');
    const before = detailCalls();
    setJob(jobDetail({ status: 'completed', allowed_actions: ['delete'], stage: 'finalization' }));
    await act(async () => {
      await vi.advanceTimersByTimeAsync(60_500);
    });
    await waitFor(() => expect(detailCalls()).toBe(before + 1));
    expect(await screen.findByTestId('completed-card')).toBeInTheDocument();
    // One last, incremental metrics fetch picks up the final steps.
    await waitFor(() => expect(metricCalls().some((c) => c.url.searchParams.get('after_step') === '850')).toBe(true));
    const settled = detailCalls();
    await act(async () => {
      await vi.advanceTimersByTimeAsync(180_000);
    });
    expect(detailCalls()).toBe(settled);
  });

  it('opens the cancel dialog when arriving with ?cancel=1 (a link to the dialog)', async () => {
    serve(jobDetail());
    renderWithProviders(<JobDashboard jobId={ID} renderEventLog={() => <div>events</div>} />, { route: `/training-jobs/${ID}?cancel=1`, path: '/training-jobs/:jobId' });
    expect(await screen.findByRole('dialog', { name: 'Cancel Training Job?' })).toBeInTheDocument();
  });

  it('switches to the Event Log tab', async () => {
    serve(jobDetail());
    const user = userEvent.setup();
    renderDash();
    await user.click(await screen.findByRole('tab', { name: 'Event Log' }));
    expect(screen.getByText('events')).toBeInTheDocument();
    expect(screen.getByRole('tab', { name: 'Event Log' })).toHaveAttribute('aria-selected', 'true');
  });
});
