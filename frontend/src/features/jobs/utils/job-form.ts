import type { HyperparameterBounds, Hyperparameters, JobCreateBody, Preset, Pricing } from '../../../lib/api-types';

export interface JobFormState {
  name: string;
  datasetId: string;
  validationDatasetId: string;
  baseModel: string;
  preset: Preset | '';
  hyperparameters: Record<string, string>;
  gpuType: string;
  pricing: Pricing;
  notes: string;
}

export const EMPTY_FORM: JobFormState = {
  name: '',
  datasetId: '',
  validationDatasetId: '',
  baseModel: '',
  preset: 'balanced',
  hyperparameters: {},
  gpuType: '',
  pricing: 'spot',
  notes: '',
};

/** The fields the custom preset shows; their types and bounds come from the API (`bounds`). */
export const HYPERPARAMETER_FIELDS: { key: keyof Hyperparameters & string; label: string; step: string }[] = [
  { key: 'epochs', label: 'Epochs', step: '1' },
  { key: 'learning_rate', label: 'Learning rate', step: 'any' },
  { key: 'batch_size', label: 'Batch size', step: '1' },
  { key: 'lora_r', label: 'LoRA rank (r)', step: '1' },
  { key: 'lora_alpha', label: 'LoRA alpha', step: '1' },
  { key: 'lora_dropout', label: 'LoRA dropout', step: '0.01' },
];

/** The first rule a number breaks, as the form says it; undefined when it is within bounds. */
export function boundsError(n: number, bound: HyperparameterBounds | undefined): string | undefined {
  if (!Number.isFinite(n)) return 'Enter a number';
  if (!bound) return undefined;
  const { minimum: min, maximum: max } = bound;
  if (min !== null && (bound.exclusive_minimum ? n <= min : n < min)) return `Enter a number ${bound.exclusive_minimum ? '>' : '≥'} ${min}`;
  if (max !== null && n > max) return `Enter a number ≤ ${max}`;
  if (bound.type === 'int' && !Number.isInteger(n)) return 'Enter a whole number';
  return undefined;
}

/** Parses the custom hyperparameter inputs against the API's bounds (served with the presets,
 *  the same ones the API enforces); blanks are left out, bad numbers reported. */
export function parseHyperparameters(values: Record<string, string>, bounds: readonly HyperparameterBounds[] = []): { value: Hyperparameters; errors: Record<string, string> } {
  const value: Hyperparameters = {};
  const errors: Record<string, string> = {};
  for (const f of HYPERPARAMETER_FIELDS) {
    const raw = (values[f.key] ?? '').trim();
    if (!raw) continue;
    const n = Number(raw);
    const error = boundsError(n, bounds.find((b) => b.name === f.key));
    if (error) errors[f.key] = error;
    else value[f.key] = n;
  }
  return { value, errors };
}

/** Request body for create/estimate, or null while required choices are missing or invalid. */
export function buildJobBody(form: JobFormState, { forEstimate = false, bounds = [] as readonly HyperparameterBounds[] } = {}): JobCreateBody | null {
  if (!form.datasetId || !form.baseModel || !form.preset || !form.gpuType) return null;
  if (!forEstimate && !form.name.trim()) return null;
  const body: JobCreateBody = {
    name: form.name.trim() || 'Untitled job',
    dataset_id: form.datasetId,
    base_model: form.baseModel,
    preset: form.preset,
    gpu_type: form.gpuType,
    pricing: form.pricing,
  };
  if (form.validationDatasetId) body.validation_dataset_id = form.validationDatasetId;
  if (form.preset === 'custom') {
    const { value, errors } = parseHyperparameters(form.hyperparameters, bounds);
    if (Object.keys(errors).length) return null;
    body.hyperparameters = value;
  }
  if (!forEstimate && form.notes.trim()) body.metadata = { notes: form.notes.trim() };
  return body;
}

/** Field errors from the API for one form field (accepts "hyperparameters.lr" style keys too). */
export function fieldError(fields: Record<string, string[]> | undefined, ...keys: string[]): string | undefined {
  if (!fields) return undefined;
  for (const k of keys) {
    const v = fields[k];
    if (v && v.length) return v.join(' ');
  }
  return undefined;
}

/** Why the Estimate panel has no estimate yet, naming exactly what is missing; null when the form
 *  is complete enough to estimate (the job name is not needed for that). */
export function estimateBlocker(form: JobFormState, bounds: readonly HyperparameterBounds[] = []): string | null {
  const missing = [!form.datasetId && 'a dataset', !form.baseModel && 'a base model', !form.gpuType && 'a GPU type'].filter((m): m is string => !!m);
  if (missing.length) {
    const list = missing.length === 1 ? missing[0] : `${missing.slice(0, -1).join(', ')} and ${missing[missing.length - 1]}`;
    return `Pick ${list} to see how long the job takes and what it costs.`;
  }
  if (!form.preset) return 'Pick a preset to see how long the job takes and what it costs.';
  if (form.preset === 'custom') {
    const bad = Object.keys(parseHyperparameters(form.hyperparameters, bounds).errors);
    if (bad.length) {
      const labels = HYPERPARAMETER_FIELDS.filter((f) => bad.includes(f.key)).map((f) => f.label);
      return `Fix ${labels.join(', ')} (out of bounds) to see the estimate.`;
    }
  }
  return null;
}
