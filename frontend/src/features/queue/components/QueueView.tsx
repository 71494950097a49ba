import { useState } from 'react';
import { Link } from 'react-router';
import { ConfirmModal } from '../../../components/Modal';
import { SkeletonCard } from '../../../components/Skeleton';
import { EmptyState, ErrorState } from '../../../components/States';
import { useToast } from '../../../components/Toast';
import { errorMessage } from '../../../lib/api-client';
import type { JobListItem } from '../../../lib/api-types';
import { useUser } from '../../../lib/auth';
import { usePromoteJob } from '../api/promote-job';
import { useQueue } from '../api/get-queue';
import { useRemoveFromQueue } from '../api/remove-from-queue';
import { ActiveSlotsPanel } from './ActiveSlotsPanel';
import { ConfigModal } from './ConfigModal';
import { QueueAnalyticsStrip } from './QueueAnalyticsStrip';
import { QueueCard } from './QueueCard';

export function QueueView() {
  const queue = useQueue();
  const me = useUser();
  const toast = useToast();
  const remove = useRemoveFromQueue();
  const promote = usePromoteJob();
  const [configJob, setConfigJob] = useState<JobListItem | null>(null);
  const [removeJob, setRemoveJob] = useState<JobListItem | null>(null);
  const [promoteJob, setPromoteJob] = useState<JobListItem | null>(null);

  if (queue.isPending) {
    return (
      <div className="stack" aria-busy="true">
        <SkeletonCard height={120} label="Loading queue" />
        <SkeletonCard height={110} />
        <SkeletonCard height={110} />
      </div>
    );
  }
  if (queue.isError) {
    return <ErrorState title="Could not load the queue" error={queue.error} onRetry={() => queue.refetch()} retrying={queue.isFetching} />;
  }
  const q = queue.data;
  return (
    <div className="stack" data-testid="queue-view">
      <ActiveSlotsPanel queue={q} />
      <QueueAnalyticsStrip analytics={q.analytics} />
      <div className="section-heading">
        <h2 className="section-heading__title">
          Queue ({q.queued.length} {q.queued.length === 1 ? 'job' : 'jobs'})
        </h2>
        <span className="muted small">First in, first out · refreshes every 30 s{queue.isFetching ? ' · updating…' : ''}</span>
      </div>
      {q.queued.length === 0 ? (
        <EmptyState
          title="Queue is empty"
          icon="☰"
          text={q.active_count < q.concurrency_limit ? 'A GPU slot is free — a new job starts right away.' : 'New jobs wait here until a GPU slot frees up.'}
          action={
            <Link to="/training-jobs/new" className="btn btn--primary">
              Create New Training Job
            </Link>
          }
        />
      ) : (
        <ol className="queue-list" aria-label="Queued jobs">
          {q.queued.map((entry) => (
            <QueueCard
              key={entry.job.id}
              entry={entry}
              me={me}
              onViewConfig={() => setConfigJob(entry.job)}
              onRemove={() => setRemoveJob(entry.job)}
              onPromote={() => setPromoteJob(entry.job)}
            />
          ))}
        </ol>
      )}
      {configJob ? <ConfigModal job={configJob} onClose={() => setConfigJob(null)} /> : null}
      {removeJob ? (
        <ConfirmModal
          title="Remove from queue?"
          testId="remove-modal"
          message={
            <p>
              <strong>{removeJob.name}</strong> will be cancelled before it starts. No GPU time has been billed.
            </p>
          }
          confirmLabel="Remove from queue"
          busyLabel="Removing…"
          busy={remove.isPending}
          onClose={() => setRemoveJob(null)}
          onConfirm={() =>
            remove.mutate(removeJob.id, {
              onSuccess: () => {
                toast.show(`Removed “${removeJob.name}” from the queue`);
                setRemoveJob(null);
              },
              onError: (e) => toast.show(`Could not remove: ${errorMessage(e)}`, 'error'),
            })
          }
        />
      ) : null}
      {promoteJob ? (
        <ConfirmModal
          title="Promote to front?"
          testId="promote-modal"
          danger={false}
          message={
            <p>
              <strong>{promoteJob.name}</strong> moves to position #1 and starts on the next free slot. Every other queued job moves back one place.
            </p>
          }
          confirmLabel="Promote to front"
          busyLabel="Promoting…"
          busy={promote.isPending}
          onClose={() => setPromoteJob(null)}
          onConfirm={() =>
            promote.mutate(promoteJob.id, {
              onSuccess: () => {
                toast.show(`“${promoteJob.name}” is now first in the queue`);
                setPromoteJob(null);
              },
              onError: (e) => toast.show(`Could not promote: ${errorMessage(e)}`, 'error'),
            })
          }
        />
      ) : null}
    </div>
  );
}
