import { ProgressBar } from '../../../components/ProgressBar';
import type { JobDetail, ResumeOption } from '../../../lib/api-types';
import { useChangeFlash } from '../../../lib/hooks';
import { PRICING_LABELS, isTerminal } from '../../../lib/status';
import { costPercent, costTone } from '../utils/cost';
import { jobMoney } from '../../../lib/money';

interface Props {
  job: JobDetail;
  /** A paused job's resume estimate on its own GPU type (the resume options' `current` entry):
   * what is left to train from the checkpoint. Absent when the viewer may not resume the job or
   * the estimate has not loaded. */
  resumeOption?: ResumeOption | null;
}

/**
 * Spend against the estimate, the rate and the projected final cost (spend so far + time left at
 * the rate). A paused job accrues nothing, so it shows no running projection: the spend so far,
 * a line saying nothing is billed while paused, and what the whole job would cost if resumed on
 * its GPU type (from the resume estimate, when there is one).
 */
export function CostTracker({ job, resumeOption = null }: Props) {
  const c = job.cost;
  const pct = costPercent(c.current_spend, c.estimate_max, c.percent_of_estimate);
  // An estimate that rounds to $0.00 gives no percentage, but spend can still be over it.
  const tone = pct === null && c.over_estimate ? 'red' : costTone(pct);
  const flash = useChangeFlash(c.current_spend);
  const finished = isTerminal(job.status);
  const paused = job.status === 'paused';
  const m = jobMoney(c);
  const resumeMin = resumeOption?.cost_min;
  const resumeMax = resumeOption?.cost_max;
  const ifResumed = paused && resumeMin !== null && resumeMin !== undefined && resumeMax !== null && resumeMax !== undefined;
  return (
    <div data-testid="cost-tracker" data-tone={tone}>
      <div className="stat__label">{finished ? 'Final cost' : paused ? 'Spend so far' : 'Current spend'}</div>
      <div className={`cost__spend${flash ? ' metric__value--flash' : ''}`} data-testid="current-spend">
        {m.money(c.current_spend)}
      </div>
      {pct !== null ? (
        <>
          <ProgressBar value={Math.min(pct, 100)} tone={tone} label="Spend against estimate" valueText={`${Math.round(pct)}% of the estimate`} />
          <div className="cost__pct">
            <span className={`tone-fg--${tone === 'blue' ? 'grey' : tone}`}>{Math.round(pct)}% of estimate</span>
            <span>±15% variance</span>
          </div>
        </>
      ) : c.over_estimate ? (
        <p className="small tone-fg--red">Over the estimate of {m.money(c.estimate_max)}.</p>
      ) : (
        <p className="muted small">No estimate available for this job.</p>
      )}
      <div className="cost__rows" style={{ marginTop: 10 }}>
        <div className="cost__row">
          <span>Est. Total</span>
          <span>{m.range(c.estimate_min, c.estimate_max)}</span>
        </div>
        <div className="cost__row">
          <span>Rate</span>
          <span>
            {m.rate(c.hourly_rate)} ({PRICING_LABELS[c.pricing] ?? c.pricing})
          </span>
        </div>
        {paused ? (
          ifResumed ? (
            <div className="cost__row">
              <span>If resumed</span>
              <span data-testid="resume-projection">{m.range(c.current_spend + resumeMin, c.current_spend + resumeMax)}</span>
            </div>
          ) : null
        ) : (
          <div className="cost__row">
            <span>{finished ? 'Final' : 'Projected'}</span>
            <span data-testid="projected-cost">{finished ? m.money(c.current_spend) : m.money(c.projected_final)}</span>
          </div>
        )}
      </div>
      {paused ? (
        <p className="muted small" style={{ margin: '8px 0 0' }} data-testid="paused-cost-note">
          Paused: no GPU is held and nothing accrues until the job is resumed.
          {ifResumed ? ` If resumed on ${resumeOption!.gpu_type.name}, the job would finish at about this total (spend so far + the rest from the checkpoint).` : ''}
        </p>
      ) : null}
    </div>
  );
}
