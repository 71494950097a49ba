/**
 * API types for the training-jobs REST API.
 *
 * Hand-written from the API contract until `openapi.yaml` exists; `npm run gen:types`
 * then generates `api-schema.d.ts` and these aliases point into
 * `components['schemas'][...]`. The rest of the app only imports the names below.
 */

export type JobStatus =
  | 'queued'
  | 'provisioning'
  | 'running'
  | 'cancelling'
  | 'completed'
  | 'failed'
  | 'cancelled'
  | 'paused';

export type StageKey = 'preprocessing' | 'model_loading' | 'training' | 'finalization';
export type StageState = 'pending' | 'active' | 'completed' | 'failed' | 'recovering';
export type Preset = 'conservative' | 'balanced' | 'aggressive' | 'custom';
export type Pricing = 'spot' | 'on_demand';
export type JobAction = 'cancel' | 'delete' | 'remove_from_queue' | 'promote';
export type EventType = 'status' | 'metrics' | 'warning' | 'error' | 'info' | 'checkpoint';
export type CancelReason =
  | 'loss_not_decreasing'
  | 'cost_too_high'
  | 'wrong_configuration'
  | 'testing'
  | 'other';

export interface UserRef {
  id: number;
  username: string;
  display_name: string;
}

export interface User extends UserRef {
  email: string;
  is_manager: boolean;
}

export interface GpuTypeRef {
  slug: string;
  name: string;
}

export interface JobListItem {
  id: string;
  name: string;
  status: JobStatus;
  stage: StageKey | null;
  percent_complete: number;
  created_by: UserRef;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  duration_seconds: number | null;
  current_cost: number;
  configuration_summary: string;
  preset: Preset;
  pricing: Pricing;
  gpu_type: GpuTypeRef;
  base_model: string;
  queue_position: number | null;
  recovering: boolean;
  allowed_actions: JobAction[];
}

export interface Estimate {
  total_steps: number;
  total_tokens: number;
  epochs: number;
  duration_seconds: number;
  cost_min: number;
  cost_max: number;
  hourly_rate: number;
  basis: 'history' | 'flops';
}

export interface MetricPoint {
  step: number;
  epoch: number | null;
  train_loss: number | null;
  val_loss: number | null;
  learning_rate: number | null;
  grad_norm: number | null;
  tokens_per_second: number | null;
  gpu_utilization: number | null;
  gpu_memory_mb: number | null;
  recorded_at: string;
}

export interface JobStageInfo {
  stage: StageKey;
  label: string;
  state: StageState;
  started_at: string | null;
  finished_at: string | null;
  duration_seconds: number | null;
  estimated_seconds: number | null;
  substatus: string;
}

export interface Hyperparameters {
  epochs?: number;
  learning_rate?: number;
  batch_size?: number;
  lora_r?: number;
  lora_alpha?: number;
  lora_dropout?: number;
  [key: string]: unknown;
}

export interface JobDetail extends JobListItem {
  dataset: { id: string | number; name: string; num_examples: number } | null;
  hyperparameters: Hyperparameters;
  progress: {
    current_step: number;
    total_steps: number | null;
    current_epoch: number | null;
    total_epochs: number | null;
    percent: number;
  };
  stages: JobStageInfo[];
  timing: { elapsed_seconds: number | null; remaining_seconds: number | null };
  cost: {
    current_spend: number;
    hourly_rate: number;
    pricing: Pricing;
    estimate_min: number | null;
    estimate_max: number | null;
    percent_of_estimate: number | null;
    projected_final: number | null;
    over_estimate: boolean;
  };
  estimate: Estimate | null;
  latest_metrics: MetricPoint | null;
  previous_metrics: MetricPoint | null;
  queue: { position: number; estimated_start_at: string | null } | null;
  error: { category: string; message: string; step: number | null; is_user_error: boolean } | null;
  cancel: {
    reason: CancelReason | string;
    notes: string;
    cancelled_by: UserRef | null;
    requested_at: string | null;
    cancelled_at: string | null;
  } | null;
  checkpoint_count: number;
  attempt: number;
  metadata: Record<string, string>;
  adapter: { available: boolean; size_bytes: number | null; sha256: string | null; download_url: string | null } | null;
  updated_at: string;
}

export interface Paginated<T> {
  count: number;
  page: number;
  page_size: number;
  total_pages: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

export type JobList = Paginated<JobListItem>;

export interface MetricsResponse {
  job_id: string;
  total_points: number;
  downsampled: boolean;
  points: MetricPoint[];
}

export interface JobEvent {
  seq: number;
  attempt: number;
  created_at: string;
  type: EventType;
  message: string;
  payload: Record<string, unknown>;
}

export type EventList = Paginated<JobEvent>;

export interface Checkpoint {
  id: string | number;
  step: number;
  attempt: number;
  metrics: Record<string, unknown>;
  size_bytes: number;
  sha256: string;
  created_at: string;
  download_url: string;
}

export interface QueueActiveSlot {
  slot: number;
  job: JobListItem;
  estimated_finish_at: string | null;
}

export interface QueueEntry {
  position: number;
  job: JobListItem;
  estimated_start_at: string | null;
  wait_seconds: number;
}

export interface QueueAnalytics {
  depth: number;
  started_last_hour: number;
  average_wait_seconds_24h: number | null;
  longest_wait_seconds_24h: number | null;
  average_wait_seconds_7d: number | null;
  longest_wait_seconds_7d: number | null;
}

export interface QueueState {
  concurrency_limit: number;
  active_count: number;
  active: QueueActiveSlot[];
  queued: QueueEntry[];
  depth: number;
  analytics: QueueAnalytics;
}

export interface GpuType {
  slug: string;
  name: string;
  memory_gb: number;
  spot_hourly_rate: number;
  on_demand_hourly_rate: number;
}

export interface PresetInfo {
  key: Preset;
  label: string;
  description: string;
  hyperparameters: Hyperparameters;
}

export interface BaseModel {
  key: string;
  label: string;
  parameters: number | string | null;
}

export interface Dataset {
  id: string | number;
  name: string;
  format: 'chat' | 'prompt_completion' | null;
  num_examples: number;
  size_bytes: number;
  is_valid: boolean;
  errors: { line: number | null; message: string }[];
  created_at: string;
  uploaded_by: UserRef | null;
}

export interface JobCreateBody {
  name: string;
  dataset_id: string | number;
  validation_dataset_id?: string | number;
  base_model: string;
  preset: Preset;
  hyperparameters?: Hyperparameters;
  gpu_type: string;
  pricing: Pricing;
  metadata?: Record<string, string>;
}

export interface ApiErrorBody {
  error: {
    code: string;
    message: string;
    fields?: Record<string, string[]>;
  };
}
