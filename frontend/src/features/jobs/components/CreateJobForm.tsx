import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { Field } from '../../../components/Field';
import { useToast } from '../../../components/Toast';
import { ApiError, errorMessage } from '../../../lib/api-client';
import type { Preset, Pricing } from '../../../lib/api-types';
import { formatParams, formatRate } from '../../../lib/format';
import { useDebouncedValue } from '../../../lib/hooks';
import { humanize } from '../../../lib/status';
import { useCreateJob } from '../api/create-job';
import { useEstimate } from '../api/estimate-job';
import { useBaseModels } from '../api/get-base-models';
import { useCloneTemplate } from '../api/get-clone-template';
import { useGpuTypes } from '../api/get-gpu-types';
import { usePresets } from '../api/get-presets';
import { useUser } from '../../../lib/auth';
import { draftKey } from '../utils/job-draft';
import { EMPTY_FORM, HYPERPARAMETER_FIELDS, buildJobBody, estimateBlocker, fieldError, parseHyperparameters, type JobFormState } from '../utils/job-form';
import { DatasetPicker } from './DatasetPicker';
import { EstimatePanel } from './EstimatePanel';
import { CloneNotice } from './CloneNotice';
import { formFromCloneTemplate } from '../utils/clone';
import { EMPTY_TEAM_CONTROLS, TeamControlsFields, teamControlsErrors, withTeamControls } from './TeamControlsFields';
import { DraftBanner, useJobDraft } from './JobDraft';
import { ConfigList } from '../../../components/ConfigList';

export const ESTIMATE_DEBOUNCE_MS = 500;

export function CreateJobForm() {
  const [form, setForm] = useState<JobFormState>(EMPTY_FORM);
  const [touchedSubmit, setTouchedSubmit] = useState(false);
  const [teamControls, setTeamControls] = useState(EMPTY_TEAM_CONTROLS);
  const gpuTypes = useGpuTypes();
  const presets = usePresets();
  const baseModels = useBaseModels();
  const create = useCreateJob();
  const navigate = useNavigate();
  const toast = useToast();
  const set = <K extends keyof JobFormState>(k: K, v: JobFormState[K]) => setForm((f) => ({ ...f, [k]: v }));
  const user = useUser();
  // "Duplicate" opens this form with ?clone=<job id>: prefill it once from the job's template
  // (a duplicate neither offers nor overwrites the draft of a job being written from scratch).
  const [params] = useSearchParams();
  const cloneId = params.get('clone');
  const draft = useJobDraft(user && !cloneId ? draftKey(user.id) : null, form, setForm);
  const clone = useCloneTemplate(cloneId);
  const [cloneApplied, setCloneApplied] = useState<string | null>(null);
  useEffect(() => {
    if (clone.data && cloneApplied !== clone.data.cloned_from) {
      setForm(formFromCloneTemplate(clone.data));
      setCloneApplied(clone.data.cloned_from);
    }
  }, [clone.data, cloneApplied]);

  // Sensible defaults once the catalogs load: a GPU type with a worker online, so the job can start.
  useEffect(() => {
    if (!form.gpuType && gpuTypes.data?.length) {
      const runnable = gpuTypes.data.find((g) => g.live_workers > 0) ?? gpuTypes.data[0];
      // Only while still empty: a duplicated job's template may have filled it meanwhile.
      setForm((f) => (f.gpuType ? f : { ...f, gpuType: runnable.slug }));
    }
  }, [gpuTypes.data]); // eslint-disable-line react-hooks/exhaustive-deps
  useEffect(() => {
    const first = baseModels.data?.[0]?.key;
    if (!form.baseModel && first) setForm((f) => (f.baseModel ? f : { ...f, baseModel: first }));
  }, [baseModels.data]); // eslint-disable-line react-hooks/exhaustive-deps

  // The hyperparameter bounds are the same for every preset: the API's own.
  const bounds = presets.data?.[0]?.bounds ?? [];
  const estimateBody = buildJobBody(form, { forEstimate: true, bounds });
  const bodyKey = JSON.stringify(estimateBody);
  const debouncedKey = useDebouncedValue(bodyKey, ESTIMATE_DEBOUNCE_MS);
  const debouncedBody = useMemo(() => JSON.parse(debouncedKey) as ReturnType<typeof buildJobBody>, [debouncedKey]);
  const estimate = useEstimate(debouncedBody);
  const estimatePending = estimateBody !== null && (bodyKey !== debouncedKey || estimate.isFetching);

  const hp = parseHyperparameters(form.hyperparameters, bounds);
  const apiFields = create.error instanceof ApiError ? create.error.fields : {};
  const selectedPreset = presets.data?.find((p) => p.key === form.preset);
  const selectedGpu = gpuTypes.data?.find((g) => g.slug === form.gpuType);

  const clientErrors: Record<string, string> = {};
  if (touchedSubmit) {
    if (!form.name.trim()) clientErrors.name = 'Give the job a name.';
    if (!form.datasetId) clientErrors.dataset_id = 'Choose or upload a dataset.';
    if (!form.baseModel) clientErrors.base_model = 'Choose a base model.';
    if (!form.gpuType) clientErrors.gpu_type = 'Choose a GPU type.';
  }
  const err = (key: string, ...alt: string[]) => clientErrors[key] ?? fieldError(apiFields, key, ...alt);
  const otherApiErrors = Object.entries(apiFields).filter(
    ([k]) => !['name', 'dataset_id', 'validation_dataset_id', 'base_model', 'preset', 'gpu_type', 'pricing', 'hyperparameters', 'metadata', 'priority', 'budget_cap'].includes(k) && !k.startsWith('hyperparameters.'),
  );

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    setTouchedSubmit(true);
    const base = buildJobBody(form, { bounds });
    const body = base && !Object.keys(teamControlsErrors(teamControls)).length ? withTeamControls(base, teamControls) : null;
    if (!body) {
      const formEl = e.currentTarget as HTMLFormElement;
      // Move focus to the first field that needs attention once the errors have rendered.
      window.setTimeout(() => formEl.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus(), 0);
      return;
    }
    create.mutate(body, {
      onSuccess: (job) => {
        draft.clear();
        toast.show(job.status === 'queued' && job.queue_position ? `Job created — queued at position #${job.queue_position}` : 'Job created');
        navigate(`/training-jobs/${job.id}`);
      },
    });
  };

  return (
    <form className="create-grid" onSubmit={onSubmit} noValidate aria-label="Create training job" data-testid="create-job-form">
      <div className="stack">
        {cloneId ? <CloneNotice jobId={cloneId} template={clone.data} loading={clone.isPending} error={clone.error} /> : null}
        {draft.offered ? <DraftBanner draft={draft.offered} onRestore={draft.restore} onDiscard={draft.discard} /> : null}
        {create.isError && (!Object.keys(apiFields).length || otherApiErrors.length) ? (
          <div className="alert alert--error" role="alert">
            <div className="alert__body">
              <div className="alert__title">Could not create the job</div>
              {errorMessage(create.error)}
              {otherApiErrors.map(([k, v]) => (
                <div key={k}>
                  {k === 'non_field_errors' ? '' : `${humanize(k)}: `}
                  {v.join(' ')}
                </div>
              ))}
            </div>
          </div>
        ) : null}

        <section className="card stack">
          <h2 className="card__title">1. Job & data</h2>
          <Field label="Job name" error={err('name')}>
            {(p) => (
              <input
                {...p}
                className="input"
                value={form.name}
                onChange={(e) => set('name', e.target.value)}
                placeholder="e.g. Elena Morales Financial"
                maxLength={200}
                data-testid="job-name-input"
              />
            )}
          </Field>
          <DatasetPicker value={form.datasetId} onChange={(id) => set('datasetId', id)} error={err('dataset_id', 'dataset')} testId="dataset-picker" />
          <details>
            <summary className="small" style={{ cursor: 'pointer', color: 'var(--text-2)' }}>
              Separate validation dataset (optional)
            </summary>
            <div style={{ marginTop: 10 }}>
              <DatasetPicker
                value={form.validationDatasetId}
                onChange={(id) => set('validationDatasetId', id)}
                error={err('validation_dataset_id')}
                label="Validation dataset"
                optional
              />
            </div>
          </details>
        </section>

        <section className="card stack">
          <h2 className="card__title">2. Model & preset</h2>
          <Field label="Base model" error={err('base_model')}>
            {(p) => (
              <select {...p} className="select" value={form.baseModel} onChange={(e) => set('baseModel', e.target.value)} disabled={baseModels.isPending}>
                <option value="">{baseModels.isPending ? 'Loading…' : 'Select a base model…'}</option>
                {(baseModels.data ?? []).map((m) => (
                  <option key={m.key} value={m.key}>
                    {m.label}
                    {m.parameters ? ` (${formatParams(m.parameters)})` : ''}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <fieldset className="field" style={{ border: 0, padding: 0, margin: 0 }}>
            <legend className="field__label" style={{ marginBottom: 6 }}>
              Preset
            </legend>
            <div className="preset-grid" role="radiogroup" aria-label="Preset">
              {(presets.data ?? []).map((p) => (
                <label key={p.key} className={`preset${form.preset === p.key ? ' preset--selected' : ''}`} style={{ position: 'relative' }}>
                  <input type="radio" name="preset" value={p.key} checked={form.preset === p.key} onChange={() => set('preset', p.key as Preset)} />
                  <span className="preset__label">{p.label}</span>
                  <span className="preset__desc">{p.description}</span>
                </label>
              ))}
              {presets.data && !presets.data.some((p) => p.key === 'custom') ? (
                <label className={`preset${form.preset === 'custom' ? ' preset--selected' : ''}`} style={{ position: 'relative' }}>
                  <input type="radio" name="preset" value="custom" checked={form.preset === 'custom'} onChange={() => set('preset', 'custom')} />
                  <span className="preset__label">Custom</span>
                  <span className="preset__desc">Set the hyperparameters yourself.</span>
                </label>
              ) : null}
            </div>
            {presets.isError ? <span className="field__error">Could not load presets: {errorMessage(presets.error)}</span> : null}
            {err('preset') ? <span className="field__error">{err('preset')}</span> : null}
          </fieldset>
          {form.preset === 'custom' ? (
            <div className="form-grid form-grid--3">
              {HYPERPARAMETER_FIELDS.map((f) => {
                const placeholder = presets.data?.find((p) => p.key === 'balanced')?.hyperparameters?.[f.key];
                const bound = bounds.find((b) => b.name === f.key);
                const e = hp.errors[f.key] ?? fieldError(apiFields, `hyperparameters.${f.key}`, f.key);
                return (
                  <Field key={f.key} label={f.label} error={e}>
                    {(p) => (
                      <input
                        {...p}
                        className="input"
                        type="number"
                        inputMode="decimal"
                        step={f.step}
                        min={bound?.minimum ?? undefined}
                        max={bound?.maximum ?? undefined}
                        value={form.hyperparameters[f.key] ?? ''}
                        placeholder={placeholder !== undefined ? String(placeholder) : ''}
                        onChange={(ev) => set('hyperparameters', { ...form.hyperparameters, [f.key]: ev.target.value })}
                      />
                    )}
                  </Field>
                );
              })}
              {fieldError(apiFields, 'hyperparameters') ? <span className="field__error">{fieldError(apiFields, 'hyperparameters')}</span> : null}
            </div>
          ) : selectedPreset ? (
            <ConfigList values={selectedPreset.hyperparameters ?? {}} />
          ) : null}
        </section>

        <section className="card stack">
          <h2 className="card__title">3. GPU</h2>
          <div className="form-grid">
            <Field label="GPU type" error={err('gpu_type')}>
              {(p) => (
                <select {...p} className="select" value={form.gpuType} onChange={(e) => set('gpuType', e.target.value)} disabled={gpuTypes.isPending}>
                  <option value="">{gpuTypes.isPending ? 'Loading…' : 'Select a GPU…'}</option>
                  {(gpuTypes.data ?? []).map((g) => (
                    <option key={g.slug} value={g.slug}>
                      {g.name}
                      {g.memory_gb ? ` · ${g.memory_gb} GB` : ''}
                      {g.live_workers > 0 ? ` · ${g.live_workers} online` : ' · no worker online'}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <div className="field">
              <span className="field__label" id="pricing-label">
                Pricing
              </span>
              <div className="segmented" role="group" aria-labelledby="pricing-label">
                {(['spot', 'on_demand'] as Pricing[]).map((p) => (
                  <button key={p} type="button" aria-pressed={form.pricing === p} onClick={() => set('pricing', p)}>
                    {p === 'spot' ? 'Spot' : 'On-demand'}
                    {selectedGpu ? ` · ${formatRate(p === 'spot' ? selectedGpu.spot_hourly_rate : selectedGpu.on_demand_hourly_rate)}` : ''}
                  </button>
                ))}
              </div>
              <span className="field__hint">{form.pricing === 'spot' ? 'Cheaper; a reclaimed GPU resumes from the last checkpoint.' : 'Never interrupted; costs more.'}</span>
              {err('pricing') ? <span className="field__error">{err('pricing')}</span> : null}
            </div>
          </div>
          <label className="row" style={{ gap: 8, alignItems: 'flex-start' }}>
            <input type="checkbox" checked={form.anomalyPause} onChange={(e) => set('anomalyPause', e.target.checked)} data-testid="anomaly-pause" />
            <span>
              Auto-pause on anomalies
              <span className="field__hint" style={{ display: 'block' }}>
                A NaN loss or a loss spike pauses the job at its last good checkpoint (with a suggested fix) instead of failing or running on.
              </span>
            </span>
          </label>
          <Field label="Notes (optional)" error={err('metadata', 'metadata.notes')}>
            {(p) => <textarea {...p} className="textarea" value={form.notes} onChange={(e) => set('notes', e.target.value)} placeholder="What is this run for?" maxLength={1000} />}
          </Field>
        </section>

        <TeamControlsFields value={teamControls} onChange={setTeamControls} apiFields={apiFields} showErrors={touchedSubmit} />
      </div>

      <aside className="create-grid__aside">
        <EstimatePanel estimate={estimate.data} loading={estimatePending} error={estimate.error} blocker={estimateBlocker(form, bounds)} pricing={form.pricing} />
        <div className="card stack-sm">
          <button type="submit" className="btn btn--primary btn--block" disabled={create.isPending} data-testid="submit-job">
            {create.isPending ? 'Creating…' : 'Start Training Job'}
          </button>
          <Link to="/dashboard/training-jobs" className="btn btn--ghost btn--block">
            Cancel
          </Link>
          <p className="small muted">The job joins the queue and starts when a GPU slot is free.</p>
        </div>
      </aside>
    </form>
  );
}
