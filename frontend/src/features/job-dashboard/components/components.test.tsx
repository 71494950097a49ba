import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { jobDetail } from '../../../test/fixtures';
import { CostTracker } from './CostTracker';
import { LossCurve } from './LossCurve';
import { MetricsTable } from './MetricsTable';
import { StageIndicator } from './StageIndicator';

describe('MetricsTable', () => {
  it('shows values with trend arrows and percent change', () => {
    const j = jobDetail();
    render(<MetricsTable latest={j.latest_metrics} previous={j.previous_metrics} />);
    const train = screen.getByTestId('metric-train_loss');
    expect(train).toHaveTextContent('0.342');
    expect(within(train).getByLabelText('down 12.1% from 0.389')).toHaveTextContent('↓ −12.1%');
    expect(within(train).getByLabelText(/down/)).toHaveClass('trend--good');
    expect(screen.getByTestId('metric-learning_rate')).toHaveTextContent('0.000182');
    expect(screen.getByTestId('metric-gpu_utilization')).toHaveTextContent('87%');
    expect(screen.getByTestId('metric-perplexity')).toHaveTextContent('1.43');
    expect(screen.getByTestId('metric-tokens_per_second')).toHaveTextContent('5,120 tokens/s');
  });

  it('marks a worsening loss red', () => {
    const j = jobDetail();
    render(<MetricsTable latest={{ ...j.latest_metrics!, train_loss: 0.5 }} previous={j.previous_metrics} />);
    expect(within(screen.getByTestId('metric-train_loss')).getByText(/↑/)).toHaveClass('trend--bad');
  });

  it('says n/a (CPU) instead of 0 when GPU metrics are null', () => {
    const j = jobDetail();
    render(<MetricsTable latest={{ ...j.latest_metrics!, gpu_utilization: null, gpu_memory_mb: null }} previous={null} />);
    expect(screen.getByTestId('metric-gpu_utilization')).toHaveTextContent('n/a (CPU)');
  });

  it('has an empty state', () => {
    render(<MetricsTable latest={null} previous={null} />);
    expect(screen.getByText(/No metrics reported yet/)).toBeInTheDocument();
  });
  it('a finished job with no metrics does not promise them "yet"', () => {
    render(<MetricsTable latest={null} previous={null} finished />);
    expect(screen.getByText('This job ended without logging any metrics.')).toBeInTheDocument();
    expect(screen.queryByText(/yet/)).not.toBeInTheDocument();
  });
});

describe('CostTracker', () => {
  it('is green within the estimate', () => {
    render(<CostTracker job={jobDetail()} />);
    expect(screen.getByTestId('cost-tracker')).toHaveAttribute('data-tone', 'green');
    expect(screen.getByText('$45.00–55.00')).toBeInTheDocument();
    expect(screen.getByText('$2.49/hr (spot)')).toBeInTheDocument();
    expect(screen.getByTestId('projected-cost')).toHaveTextContent('$47.32');
    expect(screen.getByText('±15% variance')).toBeInTheDocument();
  });
  it('is yellow near and red over the estimate', () => {
    const { unmount } = render(<CostTracker job={jobDetail({ cost: { ...jobDetail().cost, current_spend: 48, percent_of_estimate: 87 } })} />);
    expect(screen.getByTestId('cost-tracker')).toHaveAttribute('data-tone', 'yellow');
    unmount();
    render(<CostTracker job={jobDetail({ cost: { ...jobDetail().cost, current_spend: 60, percent_of_estimate: 109, over_estimate: true } })} />);
    expect(screen.getByTestId('cost-tracker')).toHaveAttribute('data-tone', 'red');
  });
  it('is red, not "no estimate", when spend is over an estimate that rounds to $0.00', () => {
    render(<CostTracker job={jobDetail({ cost: { ...jobDetail().cost, current_spend: 0.04, estimate_min: 0, estimate_max: 0, percent_of_estimate: null, over_estimate: true } })} />);
    expect(screen.getByTestId('cost-tracker')).toHaveAttribute('data-tone', 'red');
    expect(screen.getByText('Over the estimate of $0.00.')).toBeInTheDocument();
    expect(screen.queryByText('No estimate available for this job.')).not.toBeInTheDocument();
  });
});

describe('StageIndicator', () => {
  it('renders the four stages with their states', () => {
    render(<StageIndicator job={jobDetail()} />);
    expect(screen.getByTestId('stage-preprocessing')).toHaveAttribute('data-state', 'completed');
    expect(screen.getByTestId('stage-preprocessing')).toHaveTextContent('3m 42s');
    expect(screen.getByTestId('stage-training')).toHaveAttribute('data-state', 'active');
    expect(screen.getByTestId('stage-training')).toHaveAttribute('aria-current', 'step');
    expect(screen.getByTestId('stage-training')).toHaveTextContent('Epoch 2/3 · Step 850');
    expect(screen.getByTestId('stage-finalization')).toHaveAttribute('data-state', 'pending');
  });
  it('shows the failed stage with the error', () => {
    const base = jobDetail();
    const stages = base.stages.map((s) => (s.stage === 'training' ? { ...s, state: 'failed' as const } : s));
    render(<StageIndicator job={{ ...base, status: 'failed', stages, error: { category: 'out_of_memory', message: 'CUDA out of memory', step: 850, is_user_error: true } }} />);
    expect(screen.getByTestId('stage-training')).toHaveAttribute('data-state', 'failed');
    expect(screen.getByRole('alert')).toHaveTextContent('CUDA out of memory');
  });
});

describe('MetricsTable validation fallback', () => {
  it('shows the last evaluated validation loss with its step and trend', () => {
    const j = jobDetail();
    render(
      <MetricsTable
        latest={{ ...j.latest_metrics!, val_loss: null }}
        previous={{ ...j.previous_metrics!, val_loss: null }}
        validation={{ latest: { step: 800, value: 0.36 }, previous: { step: 700, value: 0.4 } }}
      />,
    );
    const row = screen.getByTestId('metric-val_loss');
    expect(row).toHaveTextContent('0.360');
    expect(row).toHaveTextContent('at step 800');
    expect(within(row).getByText(/↓/)).toHaveClass('trend--good');
    expect(screen.getByTestId('metric-perplexity')).toHaveTextContent('exp(validation loss)');
  });
});

describe('LossCurve empty states', () => {
  it('a finished job without loss values says so instead of "yet"', () => {
    const { unmount } = render(<LossCurve points={[]} jobName="j" finished />);
    expect(screen.getByText('This job ended without logging any loss values.')).toBeInTheDocument();
    unmount();
    render(<LossCurve points={[]} jobName="j" />);
    expect(screen.getByText(/No loss values yet/)).toBeInTheDocument();
  });
});
