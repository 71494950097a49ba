import { screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { jobDetail } from '../../../test/fixtures';
import { mockFetch, renderWithProviders } from '../../../test/render';
import { CheckpointsSection } from './CheckpointsSection';
import { ClonedFrom, DuplicateLink } from './JobLineage';
import { MetricsCsvLink } from './MetricsCsvLink';

afterEach(() => vi.unstubAllGlobals());

const base = '/api/training/jobs/j1/checkpoints';
const rows = [
  { id: 7, step: 20, attempt: 1, metrics: { train_loss: 1.91, val_loss: 1.8 }, size_bytes: 2048, sha256: 'a', created_at: '2026-11-29T16:00:00Z', download_url: `${base}/7/download`, adapter_download_url: `${base}/7/adapter` },
  { id: 9, step: 40, attempt: 1, metrics: { train_loss: 1.71, val_loss: 1.6 }, size_bytes: 2048, sha256: 'b', created_at: '2026-11-29T16:05:00Z', download_url: `${base}/9/download`, adapter_download_url: `${base}/9/adapter` },
];

describe('CheckpointsSection', () => {
  it.each(['cancelled', 'failed', 'paused'] as const)('offers a %s job its latest adapter and every checkpoint, newest first', async (status) => {
    mockFetch((url) => (url.pathname === base ? { body: rows } : undefined));
    renderWithProviders(<CheckpointsSection job={jobDetail({ id: 'j1', status, checkpoint_count: 2 })} />);
    const latest = await screen.findByTestId('latest-adapter-download');
    expect(latest).toHaveTextContent('Download adapter at step 40');
    expect(latest).toHaveAttribute('href', `${base}/9/adapter`);
    expect(screen.getByTestId('partial-adapter')).toHaveTextContent('val loss 1.600');
    const table = screen.getAllByTestId('checkpoint-row');
    expect(table.map((r) => r.getAttribute('data-step'))).toEqual(['40', '20']);
    expect(within(table[1]).getByTestId('checkpoint-download')).toHaveAttribute('href', `${base}/7/download`);
    expect(within(table[1]).getByTestId('checkpoint-adapter-download')).toHaveAttribute('href', `${base}/7/adapter`);
  });

  it('lists a completed job’s checkpoints without the partial-adapter offer', async () => {
    mockFetch((url) => (url.pathname === base ? { body: rows } : undefined));
    renderWithProviders(<CheckpointsSection job={jobDetail({ id: 'j1', status: 'completed', checkpoint_count: 2 })} />);
    expect(await screen.findAllByTestId('checkpoint-row')).toHaveLength(2);
    expect(screen.queryByTestId('partial-adapter')).toBeNull();
  });

  it('renders nothing and fetches nothing for a job without checkpoints', () => {
    const { calls } = mockFetch(() => undefined);
    renderWithProviders(<CheckpointsSection job={jobDetail({ id: 'j1', status: 'cancelled', checkpoint_count: 0 })} />);
    expect(screen.queryByTestId('checkpoints-section')).toBeNull();
    expect(calls).toHaveLength(0);
  });
});

describe('JobLineage', () => {
  it('links a duplicate to its source and Duplicate to the prefilled form', () => {
    renderWithProviders(
      <>
        <ClonedFrom job={jobDetail({ cloned_from: { id: 'src', name: 'Support bot v3' } })} />
        <DuplicateLink jobId="j1" />
      </>,
    );
    expect(screen.getByTestId('cloned-from')).toHaveTextContent('cloned from Support bot v3');
    expect(screen.getByRole('link', { name: 'Support bot v3' })).toHaveAttribute('href', '/training-jobs/src');
    expect(screen.getByTestId('duplicate-job-button')).toHaveAttribute('href', '/training-jobs/new?clone=j1');
  });

  it('says nothing for a job that is not a duplicate', () => {
    renderWithProviders(<ClonedFrom job={jobDetail({ cloned_from: null })} />);
    expect(screen.queryByTestId('cloned-from')).toBeNull();
  });
});

describe('MetricsCsvLink', () => {
  it('downloads every metric point of the job as CSV', () => {
    renderWithProviders(<MetricsCsvLink jobId="j1" />);
    const link = screen.getByTestId('metrics-csv');
    expect(link).toHaveTextContent('Download CSV');
    expect(link).toHaveAttribute('href', '/api/training/jobs/j1/metrics/export');
    expect(link).toHaveAttribute('download');
  });
});
