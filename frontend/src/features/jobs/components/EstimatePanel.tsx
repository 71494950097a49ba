import { Spinner } from '../../../components/Spinner';
import { errorMessage } from '../../../lib/api-client';
import type { Estimate } from '../../../lib/api-types';
import { formatCompact, formatCurrencyRange, formatDuration, formatNumber, formatRate } from '../../../lib/format';

interface Props {
  estimate: Estimate | undefined;
  loading: boolean;
  error: unknown;
  /** Why there is no estimate yet (what is missing), or null when the form can be estimated. */
  blocker: string | null;
  pricing: string;
}

export function EstimatePanel({ estimate, loading, error, blocker, pricing }: Props) {
  return (
    <section className="card" aria-labelledby="estimate-title" aria-busy={loading} data-testid="estimate-panel">
      <div className="row" style={{ justifyContent: 'space-between' }}>
        <h2 id="estimate-title" className="card__title">
          Estimate
        </h2>
        {loading ? <Spinner label="Updating estimate" size={14} /> : null}
      </div>
      {blocker ? (
        <p className="muted" style={{ marginTop: 8 }} data-testid="estimate-blocker">
          {blocker}
        </p>
      ) : error && !estimate ? (
        <p className="field__error" style={{ marginTop: 8 }} role="alert">
          Could not estimate: {errorMessage(error)}
        </p>
      ) : estimate ? (
        <div style={{ marginTop: 10, opacity: loading ? 0.6 : 1 }} aria-live="polite">
          <div className="stat__label">Estimated cost (±15%)</div>
          <div className="estimate__big" data-testid="estimate-cost">
            {formatCurrencyRange(estimate.cost_min, estimate.cost_max)}
          </div>
          <div className="estimate__row">
            <span>Duration</span>
            <span data-testid="estimate-duration">~{formatDuration(estimate.duration_seconds)}</span>
          </div>
          <div className="estimate__row">
            <span>Rate</span>
            <span>
              {formatRate(estimate.hourly_rate)} ({pricing === 'on_demand' ? 'on-demand' : 'spot'})
            </span>
          </div>
          <div className="estimate__row">
            <span>Steps</span>
            <span>{formatNumber(estimate.total_steps)}</span>
          </div>
          <div className="estimate__row">
            <span>Epochs</span>
            <span>{formatNumber(estimate.epochs)}</span>
          </div>
          <div className="estimate__row">
            <span>Tokens</span>
            <span>{formatCompact(estimate.total_tokens)}</span>
          </div>
          <p className="small muted" style={{ marginTop: 8 }}>
            {estimate.basis === 'history'
              ? `Based on ${estimate.samples ?? 'several'} similar past run${estimate.samples === 1 ? '' : 's'} on this GPU; the range is their spread.`
              : estimate.basis === 'measured'
                ? "Based on this job's own measured throughput."
                : 'Rough: based on model FLOPs and GPU throughput alone (no measured run yet), hence the wide range.'}{' '}
            Queue time is not billed.
          </p>
          {error ? <p className="field__error small">Latest change could not be estimated: {errorMessage(error)}</p> : null}
        </div>
      ) : (
        <p className="muted" style={{ marginTop: 8 }}>
          <Spinner label="Estimating" size={14} /> Estimating…
        </p>
      )}
    </section>
  );
}
