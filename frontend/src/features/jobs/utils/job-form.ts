import type { Hyperparameters, JobCreateBody, Preset, Pricing } from '../../../lib/api-types';

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

export const HYPERPARAMETER_FIELDS: { key: keyof Hyperparameters & string; label: string; step: string; min: string; integer?: boolean }[] = [
  { key: 'epochs', label: 'Epochs', step: '1', min: '1', integer: true },
  { key: 'learning_rate', label: 'Learning rate', step: 'any', min: '0' },
  { key: 'batch_size', label: 'Batch size', step: '1', min: '1', integer: true },
  { key: 'lora_r', label: 'LoRA rank (r)', step: '1', min: '1', integer: true },
  { key: 'lora_alpha', label: 'LoRA alpha', step: '1', min: '1', integer: true },
  { key: 'lora_dropout', label: 'LoRA dropout', step: '0.01', min: '0' },
];

/** Parses the custom hyperparameter inputs; blanks are left out, bad numbers reported. */
export function parseHyperparameters(values: Record<string, string>): { value: Hyperparameters; errors: Record<string, string> } {
  const value: Hyperparameters = {};
  const errors: Record<string, string> = {};
  for (const f of HYPERPARAMETER_FIELDS) {
    const raw = (values[f.key] ?? '').trim();
    if (!raw) continue;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < Number(f.min)) errors[f.key] = `Enter a number ≥ ${f.min}`;
    else if (f.integer && !Number.isInteger(n)) errors[f.key] = 'Enter a whole number';
    else value[f.key] = n;
  }
  return { value, errors };
}

/** Request body for create/estimate, or null while required choices are missing or invalid. */
export function buildJobBody(form: JobFormState, { forEstimate = false } = {}): JobCreateBody | null {
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
    const { value, errors } = parseHyperparameters(form.hyperparameters);
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
