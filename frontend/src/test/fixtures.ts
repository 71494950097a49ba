import type { JobDetail, JobListItem, JobPause, ResumeOptions } from '../lib/api-types';

export function jobListItem(over: Partial<JobListItem> = {}): JobListItem {
  return {
    id: '11111111-1111-1111-1111-111111111111',
    name: 'Elena Morales Financial',
    status: 'running',
    stage: 'training',
    percent_complete: 42.5,
    created_by: { id: 1, username: 'ada', display_name: 'Ada Lovelace' },
    created_at: '2026-11-29T10:00:00Z',
    started_at: '2026-11-29T10:05:00Z',
    finished_at: null,
    duration_seconds: 23000,
    current_cost: 22.18,
    configuration_summary: 'Balanced • Spot H100',
    preset: 'balanced',
    pricing: 'spot',
    gpu_type: { slug: 'h100', name: 'H100' },
    base_model: 'tiny-random-llama',
    queue_position: null,
    recovering: false,
    allowed_actions: ['cancel'],
    priority: 'normal',
    ...over,
  };
}

export function jobDetail(over: Partial<JobDetail> = {}): JobDetail {
  return {
    ...jobListItem(),
    dataset: { id: 'd3', name: 'fin-chats', num_examples: 1204 },
    hyperparameters: { epochs: 3, learning_rate: 0.0002 },
    progress: { current_step: 850, total_steps: 2000, current_epoch: 2, total_epochs: 3, percent: 42.5 },
    stages: [
      { stage: 'preprocessing', label: 'Preprocessing', state: 'completed', started_at: '2026-11-29T10:05:00Z', finished_at: '2026-11-29T10:08:42Z', duration_seconds: 222, estimated_seconds: null, substatus: '' },
      { stage: 'model_loading', label: 'Model Loading', state: 'completed', started_at: '2026-11-29T10:08:42Z', finished_at: '2026-11-29T10:20:00Z', duration_seconds: 678, estimated_seconds: null, substatus: '' },
      { stage: 'training', label: 'Training', state: 'active', started_at: '2026-11-29T10:20:00Z', finished_at: null, duration_seconds: null, estimated_seconds: 30000, substatus: 'Epoch 2/3 · Step 850' },
      { stage: 'finalization', label: 'Finalization', state: 'pending', started_at: null, finished_at: null, duration_seconds: null, estimated_seconds: 300, substatus: '' },
    ],
    timing: { elapsed_seconds: 23000, remaining_seconds: 29700 },
    cost: { current_spend: 22.18, hourly_rate: 2.49, pricing: 'spot', estimate_min: 45, estimate_max: 55, percent_of_estimate: 40.3, projected_final: 47.32, over_estimate: false },
    estimate: null,
    latest_metrics: { step: 850, epoch: 2, train_loss: 0.342, val_loss: 0.358, learning_rate: 0.000182, grad_norm: 1.1, tokens_per_second: 5120, gpu_utilization: 87, gpu_memory_mb: 40960, recorded_at: '2026-11-29T16:28:00Z' },
    previous_metrics: { step: 800, epoch: 2, train_loss: 0.389, val_loss: 0.412, learning_rate: 0.000185, grad_norm: 1.2, tokens_per_second: 5000, gpu_utilization: 85, gpu_memory_mb: 40960, recorded_at: '2026-11-29T16:18:00Z' },
    queue: null,
    error: null,
    cancel: null,
    checkpoint_count: 2,
    attempt: 1,
    micro_batching: null,
    cloned_from: null,
    pause: null,
    anomaly_pause: true,
    metadata: {},
    adapter: null,
    budget_cap: null,
    budget_action: 'pause',
    updated_at: '2026-11-29T16:28:00Z',
    ...over,
  };
}

/** A pause of the job page's pause card and history: by Olivia at step 850, paused now. */
export function jobPause(over: Partial<JobPause> = {}): JobPause {
  return {
    number: 1,
    source: 'user',
    state: 'paused',
    reason: 'Paused by Olivia Owner',
    requested_by: { id: 1, username: 'olivia', display_name: 'Olivia Owner' },
    requested_at: '2026-11-29T16:00:00Z',
    paused_at: '2026-11-29T16:00:05Z',
    step: 850,
    spend: 22.18,
    active_seconds: 23000,
    ended_at: null,
    paused_seconds: 600,
    resumed_by: null,
    resume_gpu_type: null,
    resume_changes: {},
    note: '',
    anomaly: null,
    ...over,
  };
}

/** The resume-options reply for the paused job above (resumes at step 850 with $22.18 spent):
 * its current H100 (live worker, history-based estimate), an L4 with no worker online (a
 * warning), and the anomaly suggestion of half the learning rate. */
export function resumeOptions(over: Partial<ResumeOptions> = {}): ResumeOptions {
  return {
    resume_step: 850,
    total_steps: 2000,
    spend_so_far: 22.18,
    pricing: 'spot',
    hyperparameters: { learning_rate: 0.0005, epochs: 3, batch_size: 8, lora_r: 16, max_seq_len: 2048, seed: 42 },
    suggestion: { resume_step: 850, hyperparameters: { learning_rate: 0.00025 }, text: 'Resume from step 850 with half the learning rate (0.0005 → 0.00025)' },
    options: [
      { gpu_type: { slug: 'h100', name: 'H100' }, current: true, hourly_rate: 2.49, live_workers: 2, duration_seconds: 3600, cost_min: 2.0, cost_max: 3.0, basis: 'history', warnings: [] },
      {
        gpu_type: { slug: 'l4', name: 'L4' },
        current: false,
        hourly_rate: 0.8,
        live_workers: 0,
        duration_seconds: 14400,
        cost_min: 3.5,
        cost_max: 4.5,
        basis: 'flops',
        warnings: ['No L4 worker is online: the job waits in the queue until one registers.'],
      },
    ],
    ...over,
  };
}
