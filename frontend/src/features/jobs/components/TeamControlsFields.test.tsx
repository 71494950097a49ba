import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { jobDetail } from '../../../test/fixtures';
import { mockFetch, renderWithProviders } from '../../../test/render';
import { CreateJobForm } from './CreateJobForm';

afterEach(() => vi.unstubAllGlobals());

const person = (over: object = {}) => ({
  user: { id: 1, username: 'ada', display_name: 'Ada Lovelace' },
  month: { spent: 2.49, committed: 1, budget: 20, remaining: 16.51, jobs: 2 },
  running: 1,
  queued: 2,
  max_running: 2,
  max_queued: 3,
  allow_high_priority: false,
  ...over,
});

const routes = (allowHigh: boolean) => (url: URL) => {
  if (url.pathname === '/api/training/gpu-types') return { body: [{ slug: 'h100', name: 'H100', memory_gb: 80, spot_hourly_rate: 2.49, on_demand_hourly_rate: 4.1, live_workers: 2 }] };
  if (url.pathname === '/api/training/presets') return { body: [{ key: 'balanced', label: 'Balanced', description: 'Default', hyperparameters: { epochs: 3 } }] };
  if (url.pathname === '/api/training/base-models') return { body: [{ key: 'tiny-random-llama', label: 'Tiny random Llama', parameters: 300000 }] };
  if (url.pathname === '/api/training/datasets')
    return { body: { count: 1, page: 1, page_size: 100, total_pages: 1, results: [{ id: 'd1', name: 'fin-chats', format: 'chat', num_examples: 1204, size_bytes: 1, sha256: 'x', is_valid: true, errors: [], created_at: '2026-01-01T00:00:00Z', uploaded_by: null }] } };
  if (url.pathname === '/api/training/jobs/estimate') return { body: { total_steps: 20, total_tokens: 4000, epochs: 3, duration_seconds: 50, cost_min: 0.01, cost_max: 0.02, hourly_rate: 2.49, basis: 'flops' } };
  if (url.pathname === '/api/training/spend')
    return {
      body: {
        period_start: '2026-11-01T00:00:00Z',
        period_end: '2026-12-01T00:00:00Z',
        team: { spent: 10, committed: 2, budget: 100, remaining: 88, jobs: 5 },
        users: [person({ allow_high_priority: allowHigh })],
        me: person({ allow_high_priority: allowHigh }),
      },
    };
  if (url.pathname === '/api/auth/csrf') return { status: 204 };
  return undefined;
};

async function fillRequired(user: ReturnType<typeof userEvent.setup>) {
  await screen.findAllByRole('option', { name: /fin-chats/ }, { timeout: 4000 });
  await user.type(screen.getByLabelText('Job name'), 'Capped');
  await user.selectOptions(screen.getByLabelText('Training dataset'), 'd1');
}

describe('TeamControlsFields in the create form', () => {
  it('offers high priority only when allowed and shows quotas and budgets', async () => {
    mockFetch(routes(false));
    renderWithProviders(<CreateJobForm />, { route: '/training-jobs/new', path: '/training-jobs/new' });
    const summary = await screen.findByTestId('quota-summary', {}, { timeout: 4000 });
    expect(summary).toHaveTextContent('You: 1 of 2 running · 2 of 3 queued');
    expect(summary).toHaveTextContent('Your budget: $16.51 left of $20.00 this month ($2.49 spent, $1.00 committed)');
    expect(summary).toHaveTextContent('Team budget: $88.00 left of $100.00 this month');
    expect(screen.getByRole('button', { name: 'High' })).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Normal' })).toHaveAttribute('aria-pressed', 'true');
  });

  it('sends priority, the budget cap and the early-stop threshold, and shows a quota refusal', async () => {
    const { calls } = mockFetch((url, init) => {
      if (url.pathname === '/api/training/jobs' && init.method === 'POST')
        return { status: 400, body: { error: { code: 'quota_exceeded', message: 'You already have 3 queued — your limit is 3. Wait for one to start, or cancel one.', fields: {} } } };
      return routes(true)(url);
    });
    const user = userEvent.setup();
    renderWithProviders(<CreateJobForm />, { route: '/training-jobs/new', path: '/training-jobs/new' });
    await fillRequired(user);
    await waitFor(() => expect(screen.getByRole('button', { name: 'High' })).toBeEnabled());
    await user.click(screen.getByRole('button', { name: 'High' }));
    await user.click(screen.getByTestId('budget-cap-toggle'));
    await user.type(screen.getByTestId('budget-cap'), '4.5');
    await user.click(screen.getByRole('button', { name: 'Stop' }));
    await user.click(screen.getByTestId('early-stop-toggle'));
    await user.clear(screen.getByTestId('early-stop-threshold'));
    await user.type(screen.getByTestId('early-stop-threshold'), '2');
    await user.click(screen.getByTestId('submit-job'));
    expect(await screen.findByRole('alert')).toHaveTextContent('You already have 3 queued — your limit is 3.');
    const post = calls.find((c) => c.url.pathname === '/api/training/jobs' && c.method === 'POST');
    expect(post?.body).toMatchObject({ priority: 'high', budget_cap: '4.50', budget_action: 'stop', hyperparameters: { early_stop_gain_per_dollar: 2 } });
  });

  it('does not submit an empty budget cap', async () => {
    const { calls } = mockFetch((url, init) => {
      if (url.pathname === '/api/training/jobs' && init.method === 'POST') return { status: 201, body: jobDetail() };
      return routes(false)(url);
    });
    const user = userEvent.setup();
    renderWithProviders(<CreateJobForm />, { route: '/training-jobs/new', path: '/training-jobs/new' });
    await fillRequired(user);
    await user.click(screen.getByTestId('budget-cap-toggle'));
    await user.click(screen.getByTestId('submit-job'));
    expect(await screen.findByText('Enter an amount of at least $0.01')).toBeInTheDocument();
    expect(calls.some((c) => c.url.pathname === '/api/training/jobs' && c.method === 'POST')).toBe(false);
  });
});
