import { useCallback, useEffect } from 'react';
import { Link } from 'react-router';
import { JobsList } from '../../features/jobs/components/JobsList';
import {
  parseJobsListState,
  serializeJobsListState,
  updateJobsListState,
  type JobsListState,
  type JobsTab,
} from '../../features/jobs/utils/url-state';
import { useQueue } from '../../features/queue/api/get-queue';
import { QueueView } from '../../features/queue/components/QueueView';
import { Tabs } from '../../components/Tabs';
import { useSearchParamsState } from '../../lib/search-params';

const TABS: { key: JobsTab; label: string }[] = [
  { key: 'all', label: 'All Jobs' },
  { key: 'queue', label: 'Queue' },
  { key: 'active', label: 'Active' },
  { key: 'completed', label: 'Completed' },
];

export function TrainingJobsRoute() {
  const [searchParams, updateSearchParams] = useSearchParamsState();
  const state = parseJobsListState(searchParams);
  const queue = useQueue();
  const queueCount = queue.data?.depth ?? queue.data?.queued.length;

  useEffect(() => {
    document.title = 'Training Jobs · LoRA Pipeline';
  }, []);

  const onChange = useCallback(
    (patch: Partial<JobsListState>) => {
      updateSearchParams((prev) => serializeJobsListState(updateJobsListState(parseJobsListState(prev), patch)), {
        replace: !('tab' in patch) && !('page' in patch),
      });
    },
    [updateSearchParams],
  );

  return (
    <div className="page">
      <div className="page__header">
        <div>
          <h1 className="page__title">Training Jobs</h1>
          <p className="page__subtitle">Watch and manage your team&apos;s LoRA fine-tuning jobs.</p>
        </div>
        <div className="row">
          <Link to="/compare" className="btn btn--secondary" data-testid="compare-runs-button">
            Compare runs
          </Link>
          <Link to="/training-jobs/new" className="btn btn--primary" data-testid="create-job-button">
            + Create New Training Job
          </Link>
        </div>
      </div>
      <Tabs
        label="Job views"
        idPrefix="tab"
        panelId="jobs-tabpanel"
        value={state.tab}
        onChange={(tab) => onChange({ tab })}
        items={TABS.map((t) => ({
          key: t.key,
          label: t.label,
          badge:
            t.key === 'queue' && queueCount !== undefined ? (
              <span className="tabs__count" aria-label={`${queueCount} queued`} data-testid="queue-count">
                {queueCount}
              </span>
            ) : undefined,
        }))}
      />
      <div id="jobs-tabpanel" role="tabpanel" aria-labelledby={`tab-${state.tab}`}>
        {state.tab === 'queue' ? <QueueView /> : <JobsList state={state} onChange={onChange} />}
      </div>
    </div>
  );
}
