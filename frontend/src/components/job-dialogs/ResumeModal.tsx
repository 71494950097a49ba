import { useId, useMemo, useRef, useState } from 'react';
import { Modal } from '../Modal';
import { Spinner } from '../Spinner';
import { errorMessage } from '../../lib/api-client';
import type { JobDetail, ResumeOptions } from '../../lib/api-types';
import { formatMoney, formatMoneyRange, moneyDigits } from '../../lib/money';
import { formatDuration, formatLearningRate, formatNumber, formatRate } from '../../lib/format';
import { PRICING_LABELS } from '../../lib/status';
import { DialogError, DialogFooter } from './DialogFooter';

export interface ResumeChoice {
  gpuType: string;
  /** The anomaly suggestion's values, when the user applies it. */
  hyperparameters?: Record<string, number>;
}

interface Props {
  job: JobDetail;
  options: ResumeOptions | undefined;
  loading: boolean;
  loadError: unknown;
  /** Opened with "Resume with suggestion": the suggestion starts applied. */
  applySuggestion: boolean;
  submitting: boolean;
  error: unknown;
  onConfirm: (choice: ResumeChoice) => void;
  onClose: () => void;
}

const CONFIG_ROWS: [string, string][] = [
  ['learning_rate', 'Learning rate'],
  ['epochs', 'Epochs'],
  ['batch_size', 'Batch size'],
  ['lora_r', 'LoRA rank'],
  ['max_seq_len', 'Max sequence length'],
  ['seed', 'Seed'],
];

/** Resume: where it resumes from, the previous configuration, the GPU type (the estimate follows it), warnings. */
export function ResumeModal({ job, options, loading, loadError, applySuggestion, submitting, error, onConfirm, onClose }: Props) {
  const [gpu, setGpu] = useState(job.gpu_type.slug);
  const [useSuggestion, setUseSuggestion] = useState(applySuggestion);
  const selectRef = useRef<HTMLSelectElement>(null);
  const selectId = useId();
  const suggestion = options?.suggestion ?? null;
  const option = useMemo(() => options?.options.find((o) => o.gpu_type.slug === gpu), [options, gpu]);
  const changes = useSuggestion && suggestion ? suggestion.hyperparameters : {};
  const spent = options?.spend_so_far ?? job.cost.current_spend;
  // One money format in the dialog, from the largest amount it shows (the selected type's total).
  const digits = moneyDigits([spent, option?.cost_max === null || option?.cost_max === undefined ? null : spent + option.cost_max]);
  const money = { money: (n: number | null) => formatMoney(n, digits), range: (a: number | null, b: number | null) => formatMoneyRange(a, b, digits) };

  return (
    <Modal
      title="Resume Training"
      icon="▶"
      onClose={onClose}
      locked={submitting}
      initialFocusRef={selectRef}
      size="lg"
      testId="resume-modal"
      footer={
        <DialogFooter
          backLabel="Stay Paused"
          onBack={onClose}
          confirmLabel="Resume Training"
          pendingLabel="Resuming…"
          pending={submitting}
          onConfirm={() => onConfirm({ gpuType: gpu, hyperparameters: Object.keys(changes).length ? changes : undefined })}
          confirmDisabled={!options}
          confirmClassName="btn--primary"
          confirmTestId="confirm-resume"
        />
      }
    >
      {loading ? (
        <div role="status" aria-label="Loading resume options">
          <Spinner label="Loading resume options" size={20} />
        </div>
      ) : loadError ? (
        <div className="alert alert--error" role="alert">
          Could not load the resume options: {errorMessage(loadError)}
        </div>
      ) : options ? (
        <>
          <p style={{ margin: 0 }} data-testid="resume-from">
            {options.resume_step > 0
              ? `Resumes from the checkpoint at step ${formatNumber(options.resume_step)} of ${formatNumber(options.total_steps)}, with the same data order.`
              : 'No checkpoint was saved: training starts again from step 0.'}{' '}
            The job goes back in the queue of the GPU type you choose.
          </p>
          <div>
            <div className="subhead" style={{ marginTop: 0 }}>
              Previous configuration
            </div>
            <dl className="kv kv--grid" data-testid="resume-config">
              <div className="kv__pair">
                <dt>GPU type</dt>
                <dd>
                  {job.gpu_type.name} ({PRICING_LABELS[options.pricing] ?? options.pricing})
                </dd>
              </div>
              {CONFIG_ROWS.map(([key, label]) => {
                const before = options.hyperparameters[key];
                const after = changes[key];
                const show = (v: unknown) => (key === 'learning_rate' && typeof v === 'number' ? formatLearningRate(v) : String(v ?? '—'));
                return (
                  <div className="kv__pair" key={key}>
                    <dt>{label}</dt>
                    <dd data-testid={`resume-config-${key}`}>
                      {after !== undefined ? (
                        <>
                          <s>{show(before)}</s> → <strong>{show(after)}</strong>
                        </>
                      ) : (
                        show(before)
                      )}
                    </dd>
                  </div>
                );
              })}
            </dl>
          </div>
          {suggestion ? (
            <label className="row" style={{ gap: 8, alignItems: 'flex-start' }}>
              <input type="checkbox" checked={useSuggestion} onChange={(e) => setUseSuggestion(e.target.checked)} data-testid="apply-suggestion" />
              <span>Apply the suggested fix: {suggestion.text}</span>
            </label>
          ) : null}
          <div className="field">
            <label htmlFor={selectId} className="field__label">
              GPU type
            </label>
            <select id={selectId} ref={selectRef} className="select" value={gpu} onChange={(e) => setGpu(e.target.value)} disabled={submitting} data-testid="resume-gpu-type">
              {options.options.map((o) => (
                <option key={o.gpu_type.slug} value={o.gpu_type.slug}>
                  {o.gpu_type.name} · {formatRate(o.hourly_rate)} · {o.live_workers} online{o.current ? ' (current)' : ''}
                </option>
              ))}
            </select>
          </div>
          {option ? (
            <div className="card" style={{ padding: 14, boxShadow: 'none', background: 'var(--surface-2)' }} data-testid="resume-estimate">
              <div className="cost__rows">
                <div className="cost__row">
                  <span>Spend so far</span>
                  <span>{money.money(spent)}</span>
                </div>
                <div className="cost__row">
                  <span>Remaining time</span>
                  <span data-testid="resume-estimate-duration">{option.duration_seconds !== null ? `~${formatDuration(option.duration_seconds)}` : '—'}</span>
                </div>
                <div className="cost__row">
                  <span>Remaining cost on {option.gpu_type.name}</span>
                  <span data-testid="resume-estimate-cost">{money.range(option.cost_min, option.cost_max)}</span>
                </div>
                <div className="cost__row">
                  <span>Projected total</span>
                  <span data-testid="resume-estimate-total">
                    {option.cost_min !== null && option.cost_max !== null ? money.range(spent + option.cost_min, spent + option.cost_max) : '—'}
                  </span>
                </div>
              </div>
            </div>
          ) : null}
          {option && option.warnings.length ? (
            <div className="alert alert--warning" role="status" data-testid="resume-warnings">
              <ul className="alert__body" style={{ margin: 0, paddingLeft: 18 }}>
                {option.warnings.map((w) => (
                  <li key={w}>{w}</li>
                ))}
              </ul>
            </div>
          ) : null}
        </>
      ) : null}
      <DialogError error={error} />
    </Modal>
  );
}
