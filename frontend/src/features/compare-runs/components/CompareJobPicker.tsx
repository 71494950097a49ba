import { useState } from 'react';
import { SearchBox } from '../../../components/SearchBox';
import { StatusBadge } from '../../../components/Badge';
import { formatDayTime } from '../../../lib/format';
import { useDebouncedValue } from '../../../lib/hooks';
import { useCandidates } from '../api/get-candidates';
import { MAX_RUNS } from '../utils/compare';

interface Props {
  selected: string[];
  onToggle: (id: string) => void;
}

/** The selection control: recent jobs (or those matching a search) with a checkbox each. */
export function CompareJobPicker({ selected, onToggle }: Props) {
  const [input, setInput] = useState('');
  const search = useDebouncedValue(input.trim(), 300);
  const jobs = useCandidates(search);
  const full = selected.length >= MAX_RUNS;
  return (
    <div className="stack-sm" data-testid="compare-picker">
      <SearchBox value={input} onChange={setInput} placeholder="Find jobs by name…" ariaLabel="Find jobs to compare" testId="compare-search" />
      <p className="small muted" aria-live="polite">
        {selected.length} of {MAX_RUNS} selected{full ? ' — remove one to add another' : selected.length < 2 ? ' — pick at least 2' : ''}
      </p>
      <div className="compare-picker">
        {jobs.isError ? <p className="small tone-fg--red">Could not load jobs.</p> : null}
        <table className="table">
          <tbody>
            {(jobs.data?.results ?? []).map((j) => {
              const on = selected.includes(j.id);
              return (
                <tr key={j.id}>
                  <td style={{ width: 32 }}>
                    <input
                      type="checkbox"
                      id={`cmp-${j.id}`}
                      checked={on}
                      disabled={!on && full}
                      onChange={() => onToggle(j.id)}
                      data-testid="compare-checkbox"
                      data-job-id={j.id}
                      aria-label={`Compare ${j.name}`}
                    />
                  </td>
                  <td>
                    <label htmlFor={`cmp-${j.id}`}>{j.name}</label>
                    <div className="cell-sub">{j.configuration_summary}</div>
                  </td>
                  <td>
                    <StatusBadge status={j.status} recovering={j.recovering} />
                  </td>
                  <td className="muted small nowrap">{formatDayTime(j.created_at)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}
