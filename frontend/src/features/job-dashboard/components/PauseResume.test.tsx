import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { ResumeOption } from '../../../lib/api-types';
import { jobDetail, jobPause, resumeOptions } from '../../../test/fixtures';
import { PauseActions, pauseDisabledReason } from './PauseActions';
import { PauseCard } from './PauseCard';
import { PauseModal } from '../../../components/job-dialogs/PauseModal';
import { PauseTimeline } from './PauseTimeline';
import { describeStages } from '../utils/stages';
import { CostTracker } from './CostTracker';
import { ProgressHeader } from './ProgressHeader';
import { StageIndicator } from './StageIndicator';
import { AnomalyCard } from './AnomalyCard';
import { JobStateSummary } from '../../../components/job-dialogs/JobStateSummary';
import { ResumeModal } from '../../../components/job-dialogs/ResumeModal';

vi.mock('react-chartjs-2', () => ({ Line: () => <canvas data-testid="chart" /> }));

const olivia = { id: 1, username: 'olivia', display_name: 'Olivia Owner' };

const pause = jobPause;

const OPTIONS = resumeOptions();

describe('PauseActions', () => {
  it('offers Pause while training, disables it in other stages with the reason, and shows Pausing… once asked', () => {
    const { rerender } = render(<PauseActions job={jobDetail({ allowed_actions: ['cancel', 'pause'] })} onPause={vi.fn()} onResume={vi.fn()} />);
    expect(screen.getByTestId('pause-job-button')).toBeEnabled();
    const loading = jobDetail({ stage: 'model_loading', allowed_actions: ['cancel'] });
    expect(pauseDisabledReason(loading)).toBe('A job can be paused during its training stage.');
    rerender(<PauseActions job={loading} onPause={vi.fn()} onResume={vi.fn()} />);
    expect(screen.getByTestId('pause-job-button')).toBeDisabled();
    rerender(<PauseActions job={jobDetail({ pause: pause({ state: 'requested', paused_at: null }) })} onPause={vi.fn()} onResume={vi.fn()} />);
    expect(screen.getByTestId('job-pausing-indicator')).toHaveTextContent('Pausing at the next step');
    rerender(<PauseActions job={jobDetail({ status: 'paused', allowed_actions: ['cancel', 'resume'] })} onPause={vi.fn()} onResume={vi.fn()} />);
    expect(screen.getByTestId('resume-job-button')).toHaveTextContent('Resume Training');
  });

  it('shows nothing to someone who may not manage the job', () => {
    const { container } = render(<PauseActions job={jobDetail({ allowed_actions: [] })} onPause={vi.fn()} onResume={vi.fn()} />);
    expect(container).toBeEmptyDOMElement();
  });
});

describe('PauseModal', () => {
  it('shows the current state and what happens, and confirms', async () => {
    const user = userEvent.setup();
    const onConfirm = vi.fn();
    render(<PauseModal job={jobDetail()} submitting={false} error={null} onConfirm={onConfirm} onClose={vi.fn()} />);
    const dialog = screen.getByRole('dialog', { name: 'Pause Training Job?' });
    expect(within(dialog).getByTestId('pause-current-state')).toHaveTextContent('Step 850 of 2,000');
    expect(within(dialog).getByTestId('pause-current-state')).toHaveTextContent('$22.18');
    expect(dialog).toHaveTextContent('Paused time is never billed');
    await user.click(within(dialog).getByTestId('confirm-pause'));
    expect(onConfirm).toHaveBeenCalledTimes(1);
  });
});

describe('ResumeModal', () => {
  const setup = (applySuggestion = false) => {
    const onConfirm = vi.fn();
    render(
      <ResumeModal
        job={jobDetail({ status: 'paused', gpu_type: { slug: 'h100', name: 'H100' } })}
        options={OPTIONS}
        loading={false}
        loadError={null}
        applySuggestion={applySuggestion}
        submitting={false}
        error={null}
        onConfirm={onConfirm}
        onClose={vi.fn()}
      />,
    );
    return { onConfirm };
  };

  it('shows where it resumes and the estimate of the chosen GPU type, which follows a switch with its warnings', async () => {
    const user = userEvent.setup();
    const { onConfirm } = setup();
    expect(screen.getByTestId('resume-from')).toHaveTextContent('step 850 of 2,000');
    expect(screen.getByTestId('resume-estimate-cost')).toHaveTextContent('$2.00–3.00');
    expect(screen.getByTestId('resume-estimate-total')).toHaveTextContent('$24.18–25.18'); // one money format: cents, like the spend ($22.18)
    expect(screen.queryByTestId('resume-warnings')).toBeNull();
    await user.selectOptions(screen.getByTestId('resume-gpu-type'), 'l4');
    expect(screen.getByTestId('resume-estimate-cost')).toHaveTextContent('$3.50–4.50');
    expect(screen.getByTestId('resume-estimate-duration')).toHaveTextContent('~4h 0m');
    expect(screen.getByTestId('resume-warnings')).toHaveTextContent('No L4 worker is online');
    await user.click(screen.getByTestId('confirm-resume'));
    expect(onConfirm).toHaveBeenCalledWith({ gpuType: 'l4', hyperparameters: undefined });
  });

  it('applies the suggestion when opened with it', async () => {
    const user = userEvent.setup();
    const { onConfirm } = setup(true);
    expect(screen.getByTestId('apply-suggestion')).toBeChecked();
    expect(screen.getByTestId('resume-config-learning_rate')).toHaveTextContent('0.0005 → 0.00025');
    await user.click(screen.getByTestId('confirm-resume'));
    expect(onConfirm).toHaveBeenCalledWith({ gpuType: 'h100', hyperparameters: { learning_rate: 0.00025 } });
  });
});

describe('PauseCard', () => {
  it('shows when, by whom, at which step and the spend of a paused job', () => {
    render(<PauseCard job={jobDetail({ status: 'paused', pause: pause(), allowed_actions: ['cancel', 'resume'] })} onResume={vi.fn()} onResumeWithSuggestion={vi.fn()} />);
    expect(screen.getByTestId('paused-by')).toHaveTextContent('Olivia Owner');
    expect(screen.getByTestId('paused-step')).toHaveTextContent('850 of 2,000');
    expect(screen.getByTestId('paused-spend')).toHaveTextContent('$22.18');
    expect(screen.getByTestId('paused-card-resume')).toBeInTheDocument();
  });

  it('shows an anomaly with its cause, curve and suggestion', async () => {
    const user = userEvent.setup();
    const onSuggested = vi.fn();
    const anomaly = {
      kind: 'loss_spike' as const,
      step: 1240,
      loss: 8.2,
      baseline: 2.0,
      ratio: 4.1,
      learning_rate: 0.0005,
      curve: [
        { step: 1230, train_loss: 2.1 },
        { step: 1240, train_loss: 8.2 },
      ],
      suggestion: { resume_step: 1200, hyperparameters: { learning_rate: 0.00025 }, text: 'Resume from step 1,200 with half the learning rate (0.0005 → 0.00025)' },
    };
    const job = jobDetail({ status: 'paused', allowed_actions: ['cancel', 'resume'], pause: pause({ source: 'anomaly', requested_by: null, step: 1200, anomaly }) });
    render(<PauseCard job={job} onResume={vi.fn()} onResumeWithSuggestion={onSuggested} />);
    expect(screen.getByTestId('anomaly-cause')).toHaveTextContent('Loss ×4.1 at step 1,240; learning rate 0.0005');
    expect(screen.getByTestId('anomaly-suggestion')).toHaveTextContent('Resume from step 1,200 with half the learning rate');
    expect(screen.getByTestId('anomaly-curve')).toHaveAccessibleName('Train loss at steps 1230: 2.100, 1240: 8.200');
    await user.click(screen.getByTestId('resume-with-suggestion'));
    expect(onSuggested).toHaveBeenCalledTimes(1);
  });
});

describe('PauseTimeline', () => {
  it('lists every pause with its outcome and the active vs paused time', () => {
    render(
      <PauseTimeline
        cost={jobDetail().cost}
        history={{
          active_seconds: 3700,
          paused_seconds: 900,
          pauses: [
            pause({ state: 'resumed', ended_at: '2026-11-29T16:10:05Z', resumed_by: olivia, resume_gpu_type: { slug: 'l4', name: 'L4' }, resume_changes: { learning_rate: [0.0005, 0.00025] } }),
            pause({ number: 2, source: 'budget', requested_by: null, state: 'not_applied', paused_at: null, note: 'The job completed before its worker reached a step boundary to pause at.' }),
          ],
        }}
      />,
    );
    expect(screen.getByTestId('active-time')).toHaveTextContent('1h 1m');
    expect(screen.getByTestId('paused-time')).toHaveTextContent('15m 0s');
    const items = screen.getAllByTestId('pause-timeline-item');
    expect(items).toHaveLength(2);
    expect(items[0]).toHaveTextContent('by Olivia Owner on L4 · learning_rate 0.0005 → 0.00025');
    expect(items[1]).toHaveTextContent('Budget cap');
    expect(items[1]).toHaveTextContent('Not applied: The job completed before');
  });
});

describe('stages of a paused job', () => {
  it('shows the stage it stopped in as paused, not as running', () => {
    const training = describeStages(jobDetail({ status: 'paused' }), Date.parse('2026-11-29T16:30:00Z')).find((s) => s.key === 'training');
    expect(training?.time).toBe('Paused');
    expect(training?.icon).toBe('‖');
  });
});

describe('progress card of a paused job', () => {
  it('shows the paused state and the stage it stopped in, not a running "Training" badge', () => {
    render(<ProgressHeader job={jobDetail({ status: 'paused', stage: 'training', allowed_actions: ['cancel', 'resume'] })} fetchedAt={Date.now()} />);
    const badge = screen.getByTestId('stage-badge');
    expect(badge).toHaveTextContent(/^‖Paused · Training$/);
    expect(badge).toHaveClass('badge--yellow');
    expect(badge).not.toHaveClass('badge--pulse');
    expect(badge).toHaveAccessibleName('Paused in stage: Training');
    expect(screen.getByTestId('remaining')).toHaveTextContent('—');
  });

  it('a running job still shows its stage', () => {
    render(<ProgressHeader job={jobDetail()} fetchedAt={Date.now()} />);
    expect(screen.getByTestId('stage-badge')).toHaveTextContent(/^▶Training$/);
  });

  it('the stage bar and the dialogs say paused too', () => {
    const job = jobDetail({ status: 'paused', stage: 'training' });
    render(<StageIndicator job={job} />);
    expect(screen.getByTestId('stage-training')).toHaveAccessibleName('Training: paused, Paused, Epoch 2/3 · Step 850');
    render(<JobStateSummary job={job} spendLabel="Spend so far" />);
    expect(screen.getByTestId('job-state-badge')).toHaveTextContent('Paused · Training');
  });
});

describe('cost tracker of a paused job', () => {
  const current: ResumeOption = OPTIONS.options[0];

  it('shows the spend so far, says nothing accrues, and the total if resumed instead of the running projection', () => {
    render(<CostTracker job={jobDetail({ status: 'paused' })} resumeOption={current} />);
    expect(screen.getByText('Spend so far')).toBeInTheDocument();
    expect(screen.getByTestId('current-spend')).toHaveTextContent('$22.18');
    expect(screen.queryByTestId('projected-cost')).not.toBeInTheDocument();
    expect(screen.queryByText('$47.32')).not.toBeInTheDocument();
    // $22.18 spent + $2.00–3.00 from the checkpoint on the H100.
    expect(screen.getByTestId('resume-projection')).toHaveTextContent('$24.18–25.18');
    expect(screen.getByTestId('paused-cost-note')).toHaveTextContent('nothing accrues until the job is resumed. If resumed on H100');
  });

  it('without a resume estimate (not loaded, or not the viewer\'s to resume) it shows no projection at all', () => {
    render(<CostTracker job={jobDetail({ status: 'paused' })} />);
    expect(screen.queryByTestId('projected-cost')).not.toBeInTheDocument();
    expect(screen.queryByTestId('resume-projection')).not.toBeInTheDocument();
    expect(screen.getByTestId('paused-cost-note')).toHaveTextContent('Paused: no GPU is held and nothing accrues until the job is resumed.');
  });

  it('a running job keeps its projection', () => {
    render(<CostTracker job={jobDetail()} resumeOption={current} />);
    expect(screen.getByTestId('projected-cost')).toHaveTextContent('$47.32');
    expect(screen.queryByTestId('paused-cost-note')).not.toBeInTheDocument();
  });
});

describe('one money format across the pause cards', () => {
  it('shows the same amount the same way in the paused card, the anomaly card and the timeline', () => {
    // A CPU run: every amount under $1, so the page shows 4 decimals ($0.0321, not $0.03).
    const cost = { ...jobDetail().cost, current_spend: 0.0321, hourly_rate: 0.05, estimate_min: 0.03, estimate_max: 0.05, projected_final: 0.06, percent_of_estimate: 64.2 };
    const paused = pause({ spend: 0.0321 });
    const anomaly = { kind: 'non_finite_loss' as const, step: 90, loss: null, baseline: null, ratio: null, learning_rate: null, curve: [{ step: 90, train_loss: null }], suggestion: null };
    render(<PauseCard job={jobDetail({ status: 'paused', cost, pause: paused, allowed_actions: ['resume'] })} onResume={vi.fn()} onResumeWithSuggestion={vi.fn()} />);
    render(<AnomalyCard pause={pause({ spend: 0.0321, source: 'anomaly', anomaly })} cost={cost} canResume={false} onResume={vi.fn()} onResumeWithSuggestion={vi.fn()} />);
    render(<PauseTimeline cost={cost} history={{ active_seconds: 60, paused_seconds: 30, pauses: [paused] }} />);
    expect(screen.getByTestId('paused-spend')).toHaveTextContent(/^\$0\.0321$/);
    expect(screen.getByTestId('anomaly-card')).toHaveTextContent('spend so far $0.0321.');
    expect(screen.getByTestId('pause-timeline-item')).toHaveTextContent('spend $0.0321 ·');
  });
});
