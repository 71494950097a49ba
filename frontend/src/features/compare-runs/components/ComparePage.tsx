import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { Section } from '../../../components/Section';
import { Spinner } from '../../../components/Spinner';
import { EmptyState, ErrorState } from '../../../components/States';
import { useToast } from '../../../components/Toast';
import { useCompare } from '../api/get-compare';
import { MAX_RUNS, MIN_RUNS, readCompareView, toggleId, writeCompareView, type CompareView } from '../utils/compare';
import { CompareChart } from './CompareChart';
import { CompareJobPicker } from './CompareJobPicker';
import { CompareTable } from './CompareTable';
import './compare.css';

/** Compare runs: 2–5 jobs' loss curves overlaid, the settings that differ and the final figures.
 * Everything (jobs, alignment, series, scale) is in the URL, so the page is a shareable link. */
export function ComparePage() {
  const [params, setParams] = useSearchParams();
  // The view is state (functional updates: two quick ticks both count) mirrored into the URL.
  const [view, setViewState] = useState<CompareView>(() => readCompareView(params));
  const setView = (patch: Partial<CompareView>) => setViewState((v) => ({ ...v, ...patch }));
  const query = writeCompareView(view).toString();
  useEffect(() => {
    if (query !== params.toString()) setParams(new URLSearchParams(query), { replace: true });
  }, [query]); // eslint-disable-line react-hooks/exhaustive-deps
  const compare = useCompare(view.ids);
  const toast = useToast();
  const ready = view.ids.length >= MIN_RUNS;

  useEffect(() => {
    document.title = 'Compare runs · Training Jobs';
  }, []);

  const copyLink = async () => {
    try {
      await navigator.clipboard.writeText(window.location.href);
      toast.show('Link to this comparison copied');
    } catch {
      toast.show('Could not copy: select the address bar to share this page', 'error');
    }
  };

  return (
    <div className="page" data-testid="compare-page">
      <Link to="/dashboard/training-jobs" className="back-link">
        ← Training jobs
      </Link>
      <div className="page__header">
        <div>
          <h1 className="page__title">Compare runs</h1>
          <p className="page__subtitle">Pick {MIN_RUNS} to {MAX_RUNS} jobs to overlay their loss curves and see what differs between them.</p>
        </div>
        <button type="button" className="btn btn--secondary" onClick={copyLink} disabled={!ready} data-testid="compare-copy-link">
          Copy link
        </button>
      </div>

      <Section title={`Runs (${view.ids.length} selected)`} testId="compare-select-section" defaultOpen={!ready}>
        <CompareJobPicker selected={view.ids} onToggle={(id) => setViewState((v) => ({ ...v, ids: toggleId(v.ids, id) }))} />
      </Section>

      {!ready ? (
        <EmptyState title="Select at least two runs" text="Tick the jobs to compare in the list above; the comparison appears here." icon="⇆" />
      ) : compare.isPending ? (
        <div className="chart-empty" role="status">
          <Spinner label="Loading the comparison" size={24} />
        </div>
      ) : compare.isError && !compare.data ? (
        <ErrorState title="Could not load the comparison" error={compare.error} onRetry={() => compare.refetch()} retrying={compare.isFetching} />
      ) : compare.data ? (
        <>
          <Section title="Loss curves" testId="compare-curves-section">
            <div className="compare-options" role="group" aria-label="Chart options">
              <label>
                Align by
                <select className="select" value={view.align} onChange={(e) => setView({ align: e.target.value === 'tokens' ? 'tokens' : 'step' })} data-testid="compare-align">
                  <option value="step">Step</option>
                  <option value="tokens">Tokens seen</option>
                </select>
              </label>
              <label>
                Show
                <select className="select" value={view.show} onChange={(e) => setView({ show: e.target.value as CompareView['show'] })} data-testid="compare-show">
                  <option value="both">Training and validation</option>
                  <option value="train">Training loss</option>
                  <option value="val">Validation loss</option>
                </select>
              </label>
              <label>
                <input type="checkbox" checked={view.log} onChange={(e) => setView({ log: e.target.checked })} data-testid="compare-log" />
                Log scale
              </label>
              <span className="small muted">Solid: training loss · dashed: validation loss</span>
            </div>
            <CompareChart runs={compare.data.runs} align={view.align} show={view.show} log={view.log} />
          </Section>
          <Section title="What differs" testId="compare-diff-section">
            <CompareTable data={compare.data} />
          </Section>
        </>
      ) : null}
    </div>
  );
}
