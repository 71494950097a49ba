import { formatValue } from '../lib/format';
import { humanize } from '../lib/status';

/** A job's configuration values as a grid of name/value pairs (hyperparameters of a job, of a
 *  preset): one rendering wherever a configuration is shown. */
export function ConfigList({ values, testId }: { values: Record<string, unknown>; testId?: string }) {
  return (
    <dl className="kv kv--grid" data-testid={testId}>
      {Object.entries(values).map(([k, v]) => (
        <div key={k} className="kv__pair">
          <dt>{humanize(k)}</dt>
          <dd className="mono">{formatValue(v)}</dd>
        </div>
      ))}
    </dl>
  );
}
