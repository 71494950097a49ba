import { Link } from 'react-router';
import type { CompareResponse } from '../../../lib/api-types';
import { bestRun, compareTable, RUN_COLORS } from '../utils/compare';

/** Settings that differ between the runs, then their final figures, one column per run. */
export function CompareTable({ data }: { data: CompareResponse }) {
  const rows = compareTable(data);
  const best = bestRun(data.runs);
  const sameCount = Object.keys(data.runs[0]?.config ?? {}).length - data.differing.length;
  return (
    <div className="table-wrap">
      <table className="table compare-table" data-testid="compare-table">
        <thead>
          <tr>
            <th scope="col">
              <span className="visually-hidden">Setting or result</span>
            </th>
            {data.runs.map((r, i) => (
              <th scope="col" key={r.id}>
                <span className="compare-swatch" style={{ background: RUN_COLORS[i % RUN_COLORS.length] }} aria-hidden="true" />
                <Link to={`/training-jobs/${r.id}`}>{r.name}</Link>
                {best === i ? <span className="badge badge--green" style={{ marginLeft: 6 }}>best val loss</span> : null}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.some((r) => r.group === 'config') ? null : (
            <tr>
              <td colSpan={data.runs.length + 1} className="muted" data-testid="compare-no-diff">
                Same configuration: the runs differ in none of their {sameCount} settings.
              </td>
            </tr>
          )}
          {rows.map((row) => (
            <tr key={row.key} className={row.differs ? 'compare-diff' : undefined} data-testid={`compare-row-${row.key}`} data-group={row.group}>
              <th scope="row">{row.label}</th>
              {row.values.map((v, i) => (
                <td key={i} className="num">
                  {v}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {rows.some((r) => r.group === 'config') ? <p className="small muted">{sameCount > 0 ? `${sameCount} other settings are the same in every run.` : ''}</p> : null}
    </div>
  );
}
