import { EMPTY_FORM, type JobFormState } from './job-form';

/** A half-filled create form kept in the browser, so leaving the page does not lose it. */
export interface JobDraft {
  savedAt: string;
  form: JobFormState;
}

const VERSION = 1;

/** One draft per signed-in user (a shared browser does not hand one user's draft to another). */
export function draftKey(userId: number | string): string {
  return `lora:create-job-draft:v${VERSION}:${userId}`;
}

/** Whether the user has typed or chosen anything worth keeping. The base model and GPU type are
 *  filled in by the form itself, so they alone do not make a draft. */
export function isDraftWorthKeeping(form: JobFormState): boolean {
  return (
    !!form.name.trim() ||
    !!form.datasetId ||
    !!form.validationDatasetId ||
    !!form.notes.trim() ||
    form.preset !== EMPTY_FORM.preset ||
    form.pricing !== EMPTY_FORM.pricing ||
    Object.values(form.hyperparameters).some((v) => v.trim() !== '')
  );
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** The stored draft, or null when there is none or it is not one we wrote (never throws). */
export function parseDraft(raw: string | null): JobDraft | null {
  if (!raw) return null;
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return null;
  }
  if (!data || typeof data !== 'object') return null;
  const { savedAt, form } = data as { savedAt?: unknown; form?: unknown };
  if (typeof savedAt !== 'string' || Number.isNaN(Date.parse(savedAt)) || !form || typeof form !== 'object') return null;
  const f = form as Record<string, unknown>;
  const hp: Record<string, string> = {};
  if (f.hyperparameters && typeof f.hyperparameters === 'object') {
    for (const [k, v] of Object.entries(f.hyperparameters as Record<string, unknown>)) if (typeof v === 'string') hp[k] = v;
  }
  const parsed: JobFormState = {
    name: str(f.name),
    datasetId: str(f.datasetId),
    validationDatasetId: str(f.validationDatasetId),
    baseModel: str(f.baseModel),
    preset: (str(f.preset) || EMPTY_FORM.preset) as JobFormState['preset'],
    hyperparameters: hp,
    gpuType: str(f.gpuType),
    pricing: f.pricing === 'on_demand' ? 'on_demand' : 'spot',
    notes: str(f.notes),
  };
  return isDraftWorthKeeping(parsed) ? { savedAt, form: parsed } : null;
}

export function serializeDraft(form: JobFormState, now: Date = new Date()): string {
  return JSON.stringify({ savedAt: now.toISOString(), form } satisfies JobDraft);
}

/** Reads, writes and removes the draft; storage failures (private mode, quota) are ignored: a
 *  draft is a convenience, the form works without it. */
export const draftStore = {
  load(key: string, storage: Storage = window.localStorage): JobDraft | null {
    try {
      return parseDraft(storage.getItem(key));
    } catch {
      return null;
    }
  },
  save(key: string, form: JobFormState, storage: Storage = window.localStorage): void {
    try {
      if (isDraftWorthKeeping(form)) storage.setItem(key, serializeDraft(form));
      else storage.removeItem(key);
    } catch {
      /* storage unavailable: nothing to keep */
    }
  },
  clear(key: string, storage: Storage = window.localStorage): void {
    try {
      storage.removeItem(key);
    } catch {
      /* storage unavailable */
    }
  },
};
