import { ProgressBar } from '../../../components/ProgressBar';
import type { JobDetail } from '../../../lib/api-types';
import { useChangeFlash } from '../../../lib/hooks';
import { PRICING_LABELS, isTerminal } from '../../../lib/status';
import { costPercent, costTone } from '../utils/cost';
import { jobMoney } from '../utils/money';

export function CostTracker({ job }: { job: JobDetail }) {
  const c = job.cost;
  const pct = costPercent(c.current_spend, c.estimate_max, c.percent_of_estimate);
  // An estimate that rounds to $0.00 gives no percentage, but spend can still be over it.
  const tone = pct === null && c.over_estimate ? 'red' : costTone(pct);
  const flash = useChangeFlash(c.current_spend);
  const finished = isTerminal(job.status);
  const m = jobMoney(c);
  return (
    <div data-testid="cost-tracker" data-tone={tone}>
      <div className="stat__label">{finished ? 'Final cost' : 'Current spend'}</div>
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
        <div className="cost__row">
          <span>{finished ? 'Final' : 'Projected'}</span>
          <span data-testid="projected-cost">{finished ? m.money(c.current_spend) : m.money(c.projected_final)}</span>
        </div>
      </div>
    </div>
  );
}
