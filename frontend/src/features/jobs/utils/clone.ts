import type { CloneTemplate, Hyperparameters } from '../../../lib/api-types';
import { EMPTY_FORM, HYPERPARAMETER_FIELDS, type JobFormState } from './job-form';

/** The create form filled from a clone template: everything the source job ran with. A custom
 *  job's values fill the custom inputs; the ones without an input ride along unchanged. */
export function formFromCloneTemplate(t: CloneTemplate): JobFormState {
  const shown = new Set<string>(HYPERPARAMETER_FIELDS.map((f) => f.key));
  const hyperparameters: Record<string, string> = {};
  const extra: Hyperparameters = {};
  for (const [k, v] of Object.entries(t.hyperparameters)) {
    if (shown.has(k)) hyperparameters[k] = String(v);
    else extra[k] = v;
  }
  const { notes = '', ...extraMetadata } = t.metadata;
  return {
    ...EMPTY_FORM,
    name: t.name,
    datasetId: t.dataset_id ?? '',
    validationDatasetId: t.validation_dataset_id ?? '',
    baseModel: t.base_model,
    preset: t.preset,
    hyperparameters: t.preset === 'custom' ? hyperparameters : {},
    gpuType: t.gpu_type ?? '',
    pricing: t.pricing,
    notes,
    clonedFrom: t.cloned_from,
    extraHyperparameters: t.preset === 'custom' ? extra : {},
    extraMetadata,
    anomalyPause: t.anomaly_pause,
  };
}

/** Where "Duplicate" goes: the create form, prefilled from the job. */
export const duplicatePath = (jobId: string) => `/training-jobs/new?clone=${encodeURIComponent(jobId)}`;
