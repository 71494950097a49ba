import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { Link } from 'react-router';
import { useSearchParamsState } from '../../../lib/search-params';
import { Section } from '../../../components/Section';
import { Spinner } from '../../../components/Spinner';
import { Tabs } from '../../../components/Tabs';
import { ErrorState, NotFound } from '../../../components/States';
import { useToast } from '../../../components/Toast';
import { ApiError, errorMessage } from '../../../lib/api-client';
import type { JobDetail } from '../../../lib/api-types';
import { useNow } from '../../../lib/hooks';
import { queryKeys } from '../../../lib/query-keys';
import { isActive, isTerminal } from '../../../lib/status';
import { jobRefreshInterval, useJob } from '../../../api/get-job';
import { formatTimeWithSeconds } from '../../../lib/format';
import { failingForMs } from '../../../lib/polling';
import { useJobMetrics } from '../api/get-metrics';
import { liveElapsedSeconds, secondsSince } from '../utils/elapsed';
import { lastValidation } from '../utils/trend';
import { CancelFlow } from './CancelFlow';
import { CheckpointsSection } from './CheckpointsSection';
import { CostTracker } from './CostTracker';
import { DashboardSkeleton } from './DashboardSkeleton';
import { JobDetails } from './JobDetails';
import { LossCurve } from './LossCurve';
import { MetricsCsvLink } from './MetricsCsvLink';
import { MetricsTable } from './MetricsTable';
import { ProgressHeader } from './ProgressHeader';
import { StageIndicator } from './StageIndicator';
import { JobBanners } from './JobBanners';
import { JobHeader } from './JobHeader';
import { ConnectionBanner, FreshnessIndicator } from './ConnectionBanner';
import { TrainingCharts } from './TrainingCharts';
import { useOnline } from '../hooks/use-online';
import { connectionState } from '../utils/figures';
import { PauseActions } from './PauseActions';
import { PauseCard } from './PauseCard';
import { PauseDialogs, type PauseDialog } from '../../../components/job-dialogs/PauseDialogs';
import { PauseTimeline } from './PauseTimeline';
import { usePauses } from '../api/get-pauses';
import { useResumeOptions } from '../../../api/get-resume-options';

interface Props {
  jobId: string;
  /** The Event Log tab's content (composed by the app so features stay independent). */
  renderEventLog: (job: JobDetail) => ReactNode;
  /** The Logs tab's content (the worker's output), when the app provides one. */
  renderLogs?: (job: JobDetail) => ReactNode;
  /** Extra controls under the header (e.g. "Notify me when this job ends"). */
  renderActions?: (job: JobDetail) => ReactNode;
}

type Tab = 'overview' | 'events' | 'logs';

export function JobDashboard({ jobId, renderEventLog, renderLogs, renderActions }: Props) {
  const job = useJob(jobId);
  const [params, setParams] = useSearchParamsState();
  const requested = params.get('tab');
  const tab: Tab = requested === 'events' ? 'events' : requested === 'logs' && renderLogs ? 'logs' : 'overview';
  const [cancelOpen, setCancelOpen] = useState(false);
  const [pauseDialog, setPauseDialog] = useState<PauseDialog>(null);
  const [refreshing, setRefreshing] = useState(false);
  const qc = useQueryClient();
  const toast = useToast();
  const data = job.data;
  const live = !!data && !isTerminal(data.status);
  // Jobs removed/cancelled while queued never ran: no progress, curve or metrics to show.
  const hasRun = !!data && (data.started_at !== null || isActive(data.status));
  const metrics = useJobMetrics(jobId, data?.attempt ?? 1, {
    live: !!data && (data.status === 'running' || data.status === 'provisioning' || data.status === 'cancelling'),
    enabled: hasRun,
  });
  const now = useNow(5000, data?.status === 'cancelling');
  const online = useOnline();
  // The figures are only as current as the last successful fetch: offline, or while refreshes
  // fail, they stop ticking and a banner says how old they are.
  const failing = job.isError || failingForMs({ dataUpdatedAt: job.dataUpdatedAt, errorUpdatedAt: job.errorUpdatedAt }, Date.now()) > 0;
  const connection = connectionState({ online, failing });
  const stale = connection !== 'live';
  // Refetched whenever the job's status or pause changes: the history and the time split follow.
  const pauses = usePauses(jobId, `${data?.status}:${data?.pause?.number ?? 0}:${data?.pause?.state ?? ''}`);
  // A paused job's cost tracker shows what resuming would cost instead of a running projection
  // (the same estimate the resume dialog shows; only those who may resume can read it).
  const resumeOptions = useResumeOptions(jobId, data?.status === 'paused' && data.allowed_actions.includes('resume'));
  const validation = useMemo(() => lastValidation(metrics.data?.points ?? []), [metrics.data]);

  // When the job finishes, fetch the metrics once more so the curve ends with the final steps.
  const status = data?.status;
  const prevStatus = useRef(status);
  useEffect(() => {
    const was = prevStatus.current;
    prevStatus.current = status;
    if (was && status && was !== status && isTerminal(status) && hasRun) void metrics.refetch();
  }, [status]); // eslint-disable-line react-hooks/exhaustive-deps

  useEffect(() => {
    if (data) document.title = `${data.name} · Training Jobs`;
  }, [data?.name]); // eslint-disable-line react-hooks/exhaustive-deps

  // ?cancel=1 (a link straight to the cancel dialog; the jobs list now opens it in place) opens the
  // cancel dialog once the job is loaded.
  useEffect(() => {
    if (params.get('cancel') !== '1' || !data) return;
    if (data.allowed_actions.includes('cancel')) setCancelOpen(true);
    setParams(
      (p) => {
        p.delete('cancel');
        return p;
      },
      { replace: true },
    );
  }, [data, params, setParams]);

  if (job.isPending) return <DashboardSkeleton />;
  if (job.isError && !data) {
    if (job.error instanceof ApiError && job.error.isNotFound) return <NotFound what="Training job" />;
    return (
      <div className="page">
        <Link to="/dashboard/training-jobs" className="back-link">
          ← Training jobs
        </Link>
        <ErrorState title="Could not load this training job" error={job.error} onRetry={() => job.refetch()} retrying={job.isFetching} />
      </div>
    );
  }
  const j = data!;
  const canCancel = j.allowed_actions.includes('cancel');
  const elapsed = liveElapsedSeconds(j.timing.elapsed_seconds, job.dataUpdatedAt, Date.now(), live);
  const retryEvery = failing ? jobRefreshInterval(j.status, failingForMs({ dataUpdatedAt: job.dataUpdatedAt, errorUpdatedAt: job.errorUpdatedAt }, Date.now())) : false;
  const nextRetryAt = retryEvery === false ? null : job.errorUpdatedAt + retryEvery;
  const cancelWaitingS = j.status === 'cancelling' ? secondsSince(j.cancel?.requested_at, now) : null;

  const setTab = (t: Tab) =>
    setParams(
      (p) => {
        if (t === 'overview') p.delete('tab');
        else p.set('tab', t);
        return p;
      },
      { replace: true },
    );

  const refresh = async () => {
    if (!navigator.onLine) {
      // A refetch would wait (paused) until the connection returns: say so at once instead.
      toast.show(`You are offline — showing data from ${formatTimeWithSeconds(new Date(job.dataUpdatedAt).toISOString())}. It refreshes by itself when the connection returns.`, 'error');
      return;
    }
    setRefreshing(true);
    try {
      const results = await Promise.all([
        job.refetch(),
        hasRun ? metrics.refetch() : Promise.resolve(null),
        qc.invalidateQueries({ queryKey: queryKeys.jobEventsAll(jobId) }),
      ]);
      const failed = results.find((r) => r && 'isError' in r && r.isError);
      if (failed && 'error' in failed) toast.show(`Refresh failed: ${errorMessage(failed.error)}`, 'error');
      else toast.show('Metrics updated');
    } finally {
      setRefreshing(false);
    }
  };

  const openCancel = () => setCancelOpen(true);

  return (
    <div className="page" data-testid="job-dashboard" data-status={j.status}>
      <JobHeader
        job={j}
        refreshing={refreshing || (job.isFetching && !job.isPending)}
        refreshDisabled={refreshing}
        onRefresh={refresh}
        canCancel={canCancel}
        onCancel={openCancel}
        actions={<PauseActions job={j} onPause={() => setPauseDialog('pause')} onResume={() => setPauseDialog('resume')} />}
      />
      {renderActions?.(j)}

      <div className="row" style={{ justifyContent: 'space-between', flexWrap: 'wrap', gap: 8 }}>
        <FreshnessIndicator updatedAt={job.dataUpdatedAt} connection={connection} fetching={job.isFetching} />
        <Link to={`/compare?jobs=${j.id}`} className="btn btn--ghost btn--sm" data-testid="compare-link">
          Compare with other runs
        </Link>
      </div>
      <ConnectionBanner
        connection={connection}
        updatedAt={job.dataUpdatedAt}
        error={job.error}
        nextRetryAt={nextRetryAt}
        onRetry={() => void job.refetch()}
        retrying={job.isFetching}
      />

      <PauseCard job={j} onResume={() => setPauseDialog('resume')} onResumeWithSuggestion={() => setPauseDialog('resume-suggested')} />

      <JobBanners
        job={j}
        refreshError={null}
        onRetry={() => job.refetch()}
        cancelWaitingS={cancelWaitingS}
        canCancel={canCancel}
        onCancel={openCancel}
      />

      {hasRun ? <ProgressHeader job={j} fetchedAt={job.dataUpdatedAt} stale={stale} /> : null}
      <StageIndicator job={j} fetchedAt={job.dataUpdatedAt} stale={stale} />

      <Tabs
        label="Job views"
        idPrefix="jobtab"
        panelId="jobtab-panel"
        value={tab}
        onChange={setTab}
        items={[
          { key: 'overview', label: 'Overview' },
          { key: 'events', label: 'Event Log' },
          ...(renderLogs ? [{ key: 'logs' as const, label: 'Logs' }] : []),
        ]}
      />

      <div id="jobtab-panel" role="tabpanel" aria-labelledby={`jobtab-${tab}`}>
        {tab === 'events' ? (
          renderEventLog(j)
        ) : tab === 'logs' && renderLogs ? (
          renderLogs(j)
        ) : (
          <div className="overview-grid">
            <div className="stack" style={{ minWidth: 0 }}>
              <Section title="Loss Curve" testId="loss-section" actions={hasRun ? <MetricsCsvLink jobId={j.id} /> : undefined}>
                {!hasRun ? (
                  <div className="chart-empty">
                    {isTerminal(j.status) ? 'This job never started training, so there is no loss curve.' : 'The loss curve appears once the job starts training.'}
                  </div>
                ) : metrics.isPending ? (
                  <div className="chart-empty" role="status" aria-label="Loading metrics">
                    <Spinner label="Loading metrics" size={24} />
                  </div>
                ) : metrics.isError && !metrics.data ? (
                  <ErrorState title="Could not load metrics" error={metrics.error} onRetry={() => metrics.refetch()} retrying={metrics.isFetching} />
                ) : (
                  <>
                    <LossCurve
                      points={metrics.data?.points ?? []}
                      jobName={j.name}
                      downsampled={metrics.data?.downsampled}
                      totalPoints={metrics.data?.totalPoints}
                      totalSteps={j.progress.total_steps}
                      currentStep={j.progress.current_step}
                      finished={isTerminal(j.status)}
                    />
                    <TrainingCharts points={metrics.data?.points ?? []} finished={isTerminal(j.status)} />
                  </>
                )}
              </Section>
              <CheckpointsSection job={j} />
              <Section title="Configuration" defaultOpen={false} testId="config-section">
                <JobDetails job={j} />
              </Section>
            </div>
            <div className="overview-grid__side">
              <Section title="Current Metrics" testId="metrics-section">
                <MetricsTable latest={j.latest_metrics} previous={j.previous_metrics} validation={validation} finished={isTerminal(j.status)} />
              </Section>
              <Section title="Cost Tracker" testId="cost-section">
                <CostTracker job={j} resumeOption={resumeOptions.data?.options.find((o) => o.current) ?? null} />
              </Section>
              {pauses.data && pauses.data.pauses.length > 0 ? (
                <Section title="Pause / Resume History" testId="pause-history-section">
                  <PauseTimeline history={pauses.data} cost={j.cost} />
                </Section>
              ) : null}
            </div>
          </div>
        )}
      </div>

      <PauseDialogs job={j} dialog={pauseDialog} onClose={() => setPauseDialog(null)} onConflict={() => void job.refetch()} />
      <CancelFlow job={j} open={cancelOpen} elapsedSeconds={elapsed} onClose={() => setCancelOpen(false)} onConflict={() => void job.refetch()} />
    </div>
  );
}
