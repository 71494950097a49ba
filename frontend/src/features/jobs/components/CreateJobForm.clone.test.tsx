import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { jobDetail } from '../../../test/fixtures';
import { mockFetch, renderWithProviders } from '../../../test/render';
import { CreateJobForm } from './CreateJobForm';

afterEach(() => vi.unstubAllGlobals());

const SOURCE = '11111111-2222-3333-4444-555555555555';

const template = (over: Record<string, unknown> = {}) => ({
  cloned_from: SOURCE,
  source_name: 'Support bot v3',
  name: 'Support bot v3 (copy)',
  dataset_id: 'd1',
  validation_dataset_id: null,
  base_model: 'smollm2',
  preset: 'custom',
  hyperparameters: { epochs: 2, learning_rate: 0.0003, batch_size: 8, lora_r: 32, lora_alpha: 64, lora_dropout: 0.05, warmup_ratio: 0.03, target_modules: ['q_proj', 'v_proj'] },
  gpu_type: 'h100',
  pricing: 'on_demand',
  metadata: { notes: 'retry with lower lr', ticket: 'ML-7' },
  anomaly_pause: false,
  warnings: [],
  ...over,
});

const routes = (tpl: Record<string, unknown>) => (url: URL, init: RequestInit) => {
  if (url.pathname === `/api/training/jobs/${SOURCE}/clone`) return { body: tpl };
  if (url.pathname === '/api/training/gpu-types')
    return {
      body: [
        { slug: 'a10g', name: 'A10G', memory_gb: 24, spot_hourly_rate: 0.45, on_demand_hourly_rate: 1.01, live_workers: 1 },
        { slug: 'h100', name: 'H100', memory_gb: 80, spot_hourly_rate: 2.49, on_demand_hourly_rate: 4.1, live_workers: 2 },
      ],
    };
  if (url.pathname === '/api/training/presets')
    return {
      body: [
        { key: 'balanced', label: 'Balanced', description: 'Default', hyperparameters: { epochs: 3 }, bounds: [] },
        { key: 'custom', label: 'Custom', description: 'Yours', hyperparameters: { epochs: 3 }, bounds: [] },
      ],
    };
  if (url.pathname === '/api/training/base-models')
    return {
      body: [
        { key: 'tiny-random-llama', label: 'Tiny random Llama', parameters: 300000 },
        { key: 'smollm2', label: 'SmolLM2', parameters: 135000000 },
      ],
    };
  if (url.pathname === '/api/training/datasets')
    return {
      body: { count: 1, page: 1, page_size: 100, total_pages: 1, results: [{ id: 'd1', name: 'fin-chats', format: 'chat', num_examples: 1204, size_bytes: 1, sha256: 'x', is_valid: true, errors: [], created_at: '2026-01-01T00:00:00Z', uploaded_by: null }] },
    };
  if (url.pathname === '/api/training/jobs/estimate')
    return { body: { total_steps: 20, total_tokens: 41_000, epochs: 2, duration_seconds: 500, cost_min: 0.45, cost_max: 0.55, hourly_rate: 4.1, basis: 'flops' } };
  if (url.pathname === '/api/training/jobs' && init.method === 'POST') return { status: 201, body: jobDetail({ status: 'queued' }) };
  if (url.pathname === '/api/auth/csrf') return { status: 204 };
  return undefined;
};

describe('CreateJobForm duplicating a job (?clone=<id>)', () => {
  it('prefills every field from the source and submits an identical job that names its source', async () => {
    const { calls } = mockFetch(routes(template()));
    const user = userEvent.setup();
    renderWithProviders(<CreateJobForm />, { route: `/training-jobs/new?clone=${SOURCE}`, path: '/training-jobs/new' });
    const notice = await screen.findByTestId('clone-notice');
    await waitFor(() => expect(notice).toHaveTextContent('Duplicating Support bot v3'));
    expect(screen.getByRole('link', { name: 'Support bot v3' })).toHaveAttribute('href', `/training-jobs/${SOURCE}`);
    await waitFor(() => expect(screen.getByLabelText('Job name')).toHaveValue('Support bot v3 (copy)'));
    await screen.findAllByRole('option', { name: /fin-chats/ }, { timeout: 4000 });
    await waitFor(() => expect(screen.getByLabelText('Training dataset')).toHaveValue('d1'));
    expect(screen.getByLabelText('Base model')).toHaveValue('smollm2');
    expect(screen.getByLabelText('GPU type')).toHaveValue('h100');
    expect(screen.getByRole('radio', { name: /Custom/ })).toBeChecked();
    expect(screen.getByLabelText('Learning rate')).toHaveValue(0.0003);
    expect(screen.getByLabelText('LoRA rank (r)')).toHaveValue(32);
    expect(screen.getByRole('button', { name: /On-demand/ })).toHaveAttribute('aria-pressed', 'true');
    expect(screen.getByLabelText('Notes (optional)')).toHaveValue('retry with lower lr');

    await user.click(screen.getByTestId('submit-job'));
    await waitFor(() => expect(screen.getByTestId('navigated-away')).toBeInTheDocument());
    const post = calls.find((c) => c.url.pathname === '/api/training/jobs' && c.method === 'POST');
    expect(post?.body).toEqual({
      name: 'Support bot v3 (copy)',
      dataset_id: 'd1',
      base_model: 'smollm2',
      preset: 'custom',
      gpu_type: 'h100',
      pricing: 'on_demand',
      // The values without an input (warmup, target modules) travel with the shown ones.
      hyperparameters: template().hyperparameters,
      metadata: { ticket: 'ML-7', notes: 'retry with lower lr' },
      cloned_from: SOURCE,
      anomaly_pause: false,
      // The team controls are the creator's choice for the new job: the form's defaults.
      priority: 'normal',
    });
  });

  it('lists what could not be carried over and leaves those fields to choose', async () => {
    mockFetch(routes(template({ dataset_id: null, preset: 'balanced', warnings: ["The job's dataset was deleted: choose another one."] })));
    renderWithProviders(<CreateJobForm />, { route: `/training-jobs/new?clone=${SOURCE}`, path: '/training-jobs/new' });
    expect(await screen.findByTestId('clone-warnings')).toHaveTextContent("The job's dataset was deleted: choose another one.");
    await waitFor(() => expect(screen.getByLabelText('Job name')).toHaveValue('Support bot v3 (copy)'));
    expect(screen.getByLabelText('Training dataset')).toHaveValue('');
    expect(screen.getByRole('radio', { name: /Balanced/ })).toBeChecked();
  });

  it('says so when the source cannot be loaded', async () => {
    mockFetch((url, init) => (url.pathname.endsWith('/clone') ? { status: 404, body: { error: { code: 'not_found', message: 'Not found.', fields: {} } } } : routes(template())(url, init)));
    renderWithProviders(<CreateJobForm />, { route: `/training-jobs/new?clone=${SOURCE}`, path: '/training-jobs/new' });
    expect(await screen.findByText('Could not load the job to duplicate')).toBeInTheDocument();
    expect(screen.getByLabelText('Job name')).toHaveValue('');
  });
});
