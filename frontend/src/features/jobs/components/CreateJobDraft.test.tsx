import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mockFetch, renderWithProviders, testUser } from '../../../test/render';
import { draftKey } from '../utils/job-draft';
import { CreateJobForm } from './CreateJobForm';

beforeEach(() => window.localStorage.clear());
afterEach(() => vi.unstubAllGlobals());

const bound = (name: string, type: string, minimum: number, maximum: number) => ({ name, type, minimum, maximum, exclusive_minimum: false, choices: [], default: null });
const BOUNDS = [bound('epochs', 'int', 1, 100), bound('learning_rate', 'float', 1e-7, 0.1), bound('batch_size', 'int', 1, 1024), bound('lora_r', 'int', 1, 1024), bound('lora_alpha', 'int', 1, 4096), bound('lora_dropout', 'float', 0, 0.9)];

const catalog = (url: URL) => {
  if (url.pathname === '/api/training/gpu-types') return { body: [{ slug: 'cpu', name: 'CPU', memory_gb: null, spot_hourly_rate: 0.05, on_demand_hourly_rate: 0.05, live_workers: 1 }] };
  if (url.pathname === '/api/training/presets')
    return {
      body: [
        { key: 'balanced', label: 'Balanced', description: 'Default', hyperparameters: { lora_r: 16 }, bounds: BOUNDS },
        { key: 'custom', label: 'Custom', description: 'Yours', hyperparameters: { lora_r: 16 }, bounds: BOUNDS },
      ],
    };
  if (url.pathname === '/api/training/base-models') return { body: [{ key: 'tiny-random-llama', label: 'Tiny random Llama', parameters: 300000 }] };
  if (url.pathname === '/api/training/datasets')
    return { body: { count: 1, page: 1, page_size: 100, total_pages: 1, results: [{ id: 'd1', name: 'fin-chats', format: 'chat', num_examples: 12, size_bytes: 1, sha256: 'x', is_valid: true, errors: [], created_at: '2026-01-01T00:00:00Z', uploaded_by: null }] } };
  if (url.pathname === '/api/training/jobs/estimate') return { body: { total_steps: 20, total_tokens: 4000, epochs: 3, duration_seconds: 50, cost_min: 0.01, cost_max: 0.02, hourly_rate: 0.05, basis: 'flops' } };
  return undefined;
};

describe('CreateJobForm draft and bounds', () => {
  it('keeps a half-filled form and offers it back: restore fills it in, discard forgets it', async () => {
    mockFetch(catalog);
    const user = userEvent.setup();
    const first = renderWithProviders(<CreateJobForm />, { route: '/training-jobs/new', path: '/training-jobs/new' });
    await screen.findAllByRole('option', { name: /fin-chats/ }, { timeout: 4000 });
    await user.type(screen.getByLabelText('Job name'), 'Half done');
    await user.selectOptions(screen.getByLabelText('Training dataset'), 'd1');
    await user.click(screen.getByRole('radio', { name: /Custom/ }));
    await user.type(screen.getByLabelText('LoRA rank (r)'), '64');
    await waitFor(() => expect(JSON.parse(window.localStorage.getItem(draftKey(testUser.id)) ?? '{}').form?.hyperparameters).toEqual({ lora_r: '64' }));
    first.unmount();

    const second = renderWithProviders(<CreateJobForm />, { route: '/training-jobs/new', path: '/training-jobs/new' });
    expect(await screen.findByTestId('draft-banner')).toHaveTextContent('The form for “Half done” was kept when you left.');
    expect(screen.getByLabelText('Job name')).toHaveValue('');
    await screen.findAllByRole('option', { name: /fin-chats/ }, { timeout: 4000 });
    await user.click(screen.getByTestId('draft-restore'));
    expect(screen.queryByTestId('draft-banner')).not.toBeInTheDocument();
    expect(screen.getByLabelText('Job name')).toHaveValue('Half done');
    expect(screen.getByLabelText('Training dataset')).toHaveValue('d1');
    expect(screen.getByLabelText('LoRA rank (r)')).toHaveValue(64);
    second.unmount();

    renderWithProviders(<CreateJobForm />, { route: '/training-jobs/new', path: '/training-jobs/new' });
    await user.click(await screen.findByTestId('draft-discard'));
    expect(screen.queryByTestId('draft-banner')).not.toBeInTheDocument();
    expect(window.localStorage.getItem(draftKey(testUser.id))).toBeNull();
  });

  it('flags out-of-bounds LoRA values as they are typed, before any submit, and the estimate says what to fix', async () => {
    const { calls } = mockFetch(catalog);
    const user = userEvent.setup();
    renderWithProviders(<CreateJobForm />, { route: '/training-jobs/new', path: '/training-jobs/new' });
    await screen.findAllByRole('option', { name: /fin-chats/ }, { timeout: 4000 });
    await user.selectOptions(screen.getByLabelText('Training dataset'), 'd1');
    await user.click(screen.getByRole('radio', { name: /Custom/ }));
    await user.type(screen.getByLabelText('LoRA rank (r)'), '100000');
    await user.type(screen.getByLabelText('LoRA alpha'), '1e9');
    await user.type(screen.getByLabelText('LoRA dropout'), '1.5');
    expect(screen.getByLabelText('LoRA rank (r)')).toHaveAccessibleDescription('Enter a number ≤ 1024');
    expect(screen.getByLabelText('LoRA alpha')).toHaveAccessibleDescription('Enter a number ≤ 4096');
    expect(screen.getByLabelText('LoRA dropout')).toHaveAccessibleDescription('Enter a number ≤ 0.9');
    expect(screen.getByTestId('estimate-blocker')).toHaveTextContent('Fix LoRA rank (r), LoRA alpha, LoRA dropout (out of bounds) to see the estimate.');
    await user.type(screen.getByLabelText('Job name'), 'Too big');
    await user.click(screen.getByTestId('submit-job'));
    expect(screen.getByLabelText('LoRA rank (r)')).toHaveFocus();
    expect(calls.some((c) => c.url.pathname === '/api/training/jobs' && c.method === 'POST')).toBe(false);
  });
});
