import type { BulkResult } from '../../../lib/api-types';
import { formatNumber } from '../../../lib/format';

const VERB = { cancel: 'Cancelled', delete: 'Deleted' } as const;

/** What a bulk action did: how many jobs changed, were already so, and each refusal with its reason. */
export function BulkResultPanel({ result, onDismiss }: { result: BulkResult; onDismiss: () => void }) {
  const refused = result.refused;
  const parts = [`${VERB[result.action]} ${formatNumber(result.done.length)} of ${formatNumber(result.matched)}`];
  if (result.unchanged.length) parts.push(`${formatNumber(result.unchanged.length)} already cancelled`);
  if (refused.length) parts.push(`${formatNumber(refused.length)} refused`);
  return (
    <div className={`alert ${refused.length ? 'alert--warning' : 'alert--info'}`} role="status" data-testid="bulk-result">
      <div className="alert__body">
        <div className="alert__title" data-testid="bulk-result-summary">
          {parts.join(' · ')}
        </div>
        {refused.length ? (
          <ul className="bulk-result__refusals" data-testid="bulk-refusals">
            {refused.map((r) => (
              <li key={r.id} data-testid="bulk-refusal" data-code={r.code}>
                <strong>{r.name ?? r.id}</strong>: {r.message}
              </li>
            ))}
          </ul>
        ) : null}
      </div>
      <button type="button" className="btn btn--secondary btn--sm" onClick={onDismiss}>
        Dismiss
      </button>
    </div>
  );
}
