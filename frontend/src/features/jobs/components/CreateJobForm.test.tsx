import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { jobDetail } from '../../../test/fixtures';
import { mockFetch, renderWithProviders } from '../../../test/render';
import { CreateJobForm } from './CreateJobForm';

afterEach(() => vi.unstubAllGlobals());

const catalog = (url: URL) => {
  // The first type has no worker online: the form preselects the one that can run now.
  if (url.pathname === '/api/training/gpu-types')
    return {
      body: [
        { slug: 'a10g', name: 'A10G', memory_gb: 24, spot_hourly_rate: 0.45, on_demand_hourly_rate: 1.01, live_workers: 0 },
        { slug: 'h100', name: 'H100', memory_gb: 80, spot_hourly_rate: 2.49, on_demand_hourly_rate: 4.1, live_workers: 2 },
      ],
    };
  if (url.pathname === '/api/training/presets') return { body: [{ key: 'balanced', label: 'Balanced', description: 'Default', hyperparameters: { epochs: 3 } }] };
  if (url.pathname === '/api/training/base-models') return { body: [{ key: 'tiny-random-llama', label: 'Tiny random Llama', parameters: 300000 }] };
  if (url.pathname === '/api/training/datasets')
    return {
      body: { count: 1, page: 1, page_size: 100, total_pages: 1, results: [{ id: 'd1', name: 'fin-chats', format: 'chat', num_examples: 1204, size_bytes: 1, sha256: 'x', is_valid: true, errors: [], created_at: '2026-01-01T00:00:00Z', uploaded_by: null }] },
    };
  if (url.pathname === '/api/training/jobs/estimate')
    return { body: { total_steps: 2000, total_tokens: 4_100_000, epochs: 3, duration_seconds: 50000, cost_min: 45.1, cost_max: 55.2, hourly_rate: 2.49, basis: 'flops' } };
  if (url.pathname === '/api/auth/csrf') return { status: 204 };
  return undefined;
};

describe('CreateJobForm', () => {
  it('shows a live estimate and shows API field errors next to the fields', async () => {
    const { calls } = mockFetch((url, init) => {
      if (url.pathname === '/api/training/jobs' && init.method === 'POST')
        return { status: 400, body: { error: { code: 'validation_error', message: 'Invalid input.', fields: { name: ['A job with this name already exists.'] } } } };
      return catalog(url);
    });
    const user = userEvent.setup();
    renderWithProviders(<CreateJobForm />, { route: '/training-jobs/new', path: '/training-jobs/new' });
    await screen.findAllByRole('option', { name: /fin-chats/ }, { timeout: 4000 });
    await user.selectOptions(screen.getByLabelText('Training dataset'), 'd1');
    expect(await screen.findByTestId('estimate-cost', {}, { timeout: 3000 })).toHaveTextContent('$45–55');
    expect(screen.getByTestId('estimate-duration')).toHaveTextContent('~13h 53m');
    const estimateCall = calls.find((c) => c.url.pathname === '/api/training/jobs/estimate');
    expect(estimateCall?.body).toMatchObject({ dataset_id: 'd1', base_model: 'tiny-random-llama', preset: 'balanced', gpu_type: 'h100', pricing: 'spot' });
    expect(screen.getByRole('option', { name: /A10G.*no worker online/ })).toBeInTheDocument();

    await user.click(screen.getByTestId('submit-job'));
    expect(screen.getByLabelText('Job name')).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByText('Give the job a name.')).toBeInTheDocument();

    await user.type(screen.getByLabelText('Job name'), 'Elena');
    await user.click(screen.getByTestId('submit-job'));
    expect(await screen.findByText('A job with this name already exists.')).toBeInTheDocument();
    expect(screen.getByLabelText('Job name')).toHaveAccessibleDescription('A job with this name already exists.');
  });

  it('creates the job and opens its dashboard', async () => {
    mockFetch((url, init) => {
      if (url.pathname === '/api/training/jobs' && init.method === 'POST') return { status: 201, body: jobDetail({ status: 'queued', queue_position: 3 }) };
      return catalog(url);
    });
    const user = userEvent.setup();
    renderWithProviders(<CreateJobForm />, { route: '/training-jobs/new', path: '/training-jobs/new' });
    await screen.findAllByRole('option', { name: /fin-chats/ }, { timeout: 4000 });
    await user.type(screen.getByLabelText('Job name'), 'Elena');
    await user.selectOptions(screen.getByLabelText('Training dataset'), 'd1');
    await user.click(screen.getByTestId('submit-job'));
    await waitFor(() => expect(screen.getByTestId('navigated-away')).toBeInTheDocument());
    expect(screen.getByText('Job created — queued at position #3')).toBeInTheDocument();
  });

  it('shows per-line errors for an invalid upload', async () => {
    mockFetch((url, init) => {
      if (url.pathname === '/api/training/datasets' && init.method === 'POST')
        return {
          status: 201,
          body: { id: 'd2', name: 'bad', format: null, num_examples: 0, size_bytes: 8, sha256: 'y', is_valid: false, errors: [{ line: 3, message: 'Invalid JSON' }], created_at: '2026-01-01T00:00:00Z', uploaded_by: null },
        };
      return catalog(url);
    });
    const user = userEvent.setup();
    renderWithProviders(<CreateJobForm />, { route: '/training-jobs/new', path: '/training-jobs/new' });
    await user.click(screen.getAllByRole('button', { name: 'Upload JSONL' })[0]);
    await user.upload(screen.getByTestId('dataset-file-input'), new File(['{"x":1}\n'], 'bad.jsonl', { type: 'application/jsonl' }));
    await user.click(screen.getByTestId('upload-dataset'));
    const errors = await screen.findByTestId('dataset-errors');
    expect(errors).toHaveTextContent('Line 3');
    expect(errors).toHaveTextContent('Invalid JSON');
  });
});
