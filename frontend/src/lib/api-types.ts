/**
 * API types for the training-jobs REST API.
 *
 * Generated: `npm run gen:types` turns `../openapi.yaml` (drf-spectacular, owned by the backend)
 * into `api-schema.d.ts`; the names below alias into `components['schemas'][...]`. The rest of
 * the app only imports these names. A few fields the schema types as free-form JSON
 * (hyperparameters, metadata, payload) are narrowed here.
 */
import type { components } from './api-schema';

type S = components['schemas'];
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

// Enums are taken from the fields that use them: drf-spectacular renames shared enum
// components (StateEnum -> State0a1Enum, ...) as the schema grows.
export type JobStatus = S['JobList']['status'];
export type StageKey = S['Stage']['stage'];
export type StageState = S['Stage']['state'];
export type Preset = S['JobList']['preset'];
export type Pricing = S['JobList']['pricing'];
export type JobAction = S['JobList']['allowed_actions'][number];
export type EventType = S['Event']['type'];
export type CancelReason = S['CancelRequest']['reason'];

export type UserRef = S['UserSummary'];
export type User = S['Me'];
export type ApiToken = S['ApiToken'];
export type NewApiToken = S['Token'];
export type GpuTypeRef = S['GpuTypeSummary'];
export type JobListItem = S['JobList'];
export type Priority = S['JobList']['priority'];
export type BudgetAction = S['JobDetail']['budget_action'];
export type Spend = S['Spend'];
export type PersonSpend = S['PersonSpend'];
export type SpendFigures = S['SpendFigures'];
export type Estimate = S['Estimate'];
export type MetricPoint = S['MetricPoint'];
export type JobStageInfo = S['Stage'];
export type Hyperparameters = Mutable<S['HyperparametersRequest']> & { [key: string]: unknown };

export type JobDetail = Omit<S['JobDetail'], 'hyperparameters' | 'metadata'> & {
  readonly hyperparameters: Hyperparameters;
  readonly metadata: Record<string, string>;
};

export interface Paginated<T> {
  count: number;
  page: number;
  page_size: number;
  total_pages: number;
  next?: string | null;
  previous?: string | null;
  results: T[];
}

export type JobList = Paginated<JobListItem>;
export type MetricsResponse = S['MetricsResponse'];
export type JobEvent = Omit<S['Event'], 'payload'> & { readonly payload: Record<string, unknown> };
export type EventList = Paginated<JobEvent>;
export type Checkpoint = S['Checkpoint'];
export type JobPause = S['Pause'];
export type PauseHistory = S['PauseHistory'];
export type PauseSuggestion = S['Suggestion'];
export type ResumeOptions = Omit<S['ResumeOptions'], 'hyperparameters'> & { readonly hyperparameters: Hyperparameters };
export type ResumeOption = S['ResumeOption'];
export type GpuType = S['GpuType'];
export type PresetInfo = Omit<S['Preset'], 'hyperparameters'> & { hyperparameters: Hyperparameters };
export type HyperparameterBounds = S['HyperparameterBounds'];
export type BaseModel = S['BaseModel'];
export type Dataset = S['Dataset'];
// priority, budget_action and anomaly_pause have server defaults: a body may leave them out.
export type JobCreateBody = Omit<S['JobCreateRequest'], 'hyperparameters' | 'priority' | 'budget_action' | 'anomaly_pause'> & {
  hyperparameters?: Hyperparameters;
  priority?: S['JobCreateRequest']['priority'];
  budget_action?: S['JobCreateRequest']['budget_action'];
  anomaly_pause?: S['JobCreateRequest']['anomaly_pause'];
};
export type BulkActionBody = S['BulkActionRequest'];
export type BulkResult = S['BulkResult'];
export type CloneTemplate = Omit<S['CloneTemplate'], 'hyperparameters' | 'metadata'> & {
  readonly hyperparameters: Hyperparameters;
  readonly metadata: Record<string, string>;
};

export type QueueActiveSlot = S['ActiveSlot'];
export type QueueEntry = S['QueuedEntry'];
export type QueueAnalytics = S['QueueAnalytics'];
export type QueueState = S['Queue'];

export interface ApiErrorBody {
  error: {
    code: string;
    message: string;
    fields?: Record<string, string[]>;
  };
}
export type CompareResponse = S['CompareResponse'];
export type CompareRun = S['CompareRun'];
