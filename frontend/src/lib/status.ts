import type { CancelReason, EventType, JobStatus, StageKey } from './api-types';

export type Tone = 'grey' | 'blue' | 'indigo' | 'green' | 'yellow' | 'orange' | 'red' | 'purple';

export const STATUS_META: Record<JobStatus, { label: string; tone: Tone; icon: string }> = {
  queued: { label: 'Queued', tone: 'grey', icon: '○' },
  provisioning: { label: 'Provisioning', tone: 'indigo', icon: '◐' },
  running: { label: 'Running', tone: 'blue', icon: '▶' },
  cancelling: { label: 'Cancelling', tone: 'orange', icon: '…' },
  completed: { label: 'Completed', tone: 'green', icon: '✓' },
  failed: { label: 'Failed', tone: 'red', icon: '✕' },
  cancelled: { label: 'Cancelled', tone: 'orange', icon: '⊘' },
  paused: { label: 'Paused', tone: 'yellow', icon: '‖' },
};

export const STAGE_LABELS: Record<StageKey, string> = {
  preprocessing: 'Preprocessing',
  model_loading: 'Model Loading',
  training: 'Training',
  finalization: 'Finalization',
};

export const STAGE_ORDER: StageKey[] = ['preprocessing', 'model_loading', 'training', 'finalization'];

export const TERMINAL_STATUSES: JobStatus[] = ['completed', 'failed', 'cancelled'];
export const ACTIVE_STATUSES: JobStatus[] = ['provisioning', 'running', 'cancelling'];

export function isTerminal(status: JobStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

/** Statuses whose data still changes (anything not finished). */
export function isLive(status: JobStatus): boolean {
  return !isTerminal(status);
}

export function isActive(status: JobStatus): boolean {
  return ACTIVE_STATUSES.includes(status);
}

export const EVENT_TYPE_META: Record<EventType, { label: string; tone: Tone }> = {
  status: { label: 'Status', tone: 'blue' },
  metrics: { label: 'Metrics', tone: 'green' },
  warning: { label: 'Warning', tone: 'yellow' },
  error: { label: 'Error', tone: 'red' },
  info: { label: 'Info', tone: 'grey' },
  checkpoint: { label: 'Checkpoint', tone: 'purple' },
};

export const PRESET_LABELS: Record<string, string> = {
  conservative: 'Conservative',
  balanced: 'Balanced',
  aggressive: 'Aggressive',
  custom: 'Custom',
};

export const PRICING_LABELS: Record<string, string> = { spot: 'spot', on_demand: 'on-demand' };

export const CANCEL_REASONS: { value: CancelReason; label: string }[] = [
  { value: 'loss_not_decreasing', label: 'Loss not decreasing' },
  { value: 'cost_too_high', label: 'Cost too high' },
  { value: 'wrong_configuration', label: 'Wrong configuration' },
  { value: 'testing', label: 'Testing' },
  { value: 'other', label: 'Other' },
];

export const ERROR_CATEGORY_LABELS: Record<string, string> = {
  invalid_dataset: 'Invalid dataset',
  model_load_failed: 'Model failed to load',
  out_of_memory: 'Out of GPU memory',
  nan_loss: 'Loss became NaN',
  worker_lost: 'Worker lost',
  internal_error: 'Internal error',
};

const FIELD_LABELS: Record<string, string> = {
  epochs: 'Epochs',
  learning_rate: 'Learning rate',
  batch_size: 'Batch size',
  grad_accum_steps: 'Gradient accumulation',
  max_seq_len: 'Max sequence length',
  lora_r: 'LoRA rank (r)',
  lora_alpha: 'LoRA alpha',
  lora_dropout: 'LoRA dropout',
  target_modules: 'Target modules',
  warmup_ratio: 'Warmup ratio',
  lr_scheduler: 'LR schedule',
  weight_decay: 'Weight decay',
  max_grad_norm: 'Max grad norm',
  eval_every: 'Evaluate every',
  checkpoint_every: 'Checkpoint every',
  log_every: 'Log every',
  val_fraction: 'Validation fraction',
  seed: 'Seed',
};

export function humanize(key: string): string {
  if (FIELD_LABELS[key]) return FIELD_LABELS[key];
  const s = key.replace(/[_-]+/g, ' ').trim();
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Queue position badge colour: #1–3 green, #4–7 yellow, #8+ orange. */
export function positionTone(position: number): Tone {
  if (position <= 3) return 'green';
  if (position <= 7) return 'yellow';
  return 'orange';
}
