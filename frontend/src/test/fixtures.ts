import type { JobDetail, JobListItem, JobPause } from '../lib/api-types';

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
