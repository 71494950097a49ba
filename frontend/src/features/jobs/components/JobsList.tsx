import { useEffect, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { ConfirmModal } from '../../../components/Modal';
import { Pagination } from '../../../components/Pagination';
import { EmptyState, ErrorState } from '../../../components/States';
import { useToast } from '../../../components/Toast';
import { ApiError, errorMessage } from '../../../lib/api-client';
import type { JobListItem } from '../../../lib/api-types';
import { useUser } from '../../../lib/auth';
import { useDeleteJob } from '../api/delete-job';
import { useJobs } from '../api/get-jobs';
import { PAGE_SIZES, hasActiveFilters, toJobsApiQuery, type JobsListState } from '../utils/url-state';
import { CardSort } from './CardSort';
import { JobsFilters } from './JobsFilters';
import { JobsTable } from './JobsTable';

interface Props {
  state: JobsListState;
  onChange: (patch: Partial<JobsListState>) => void;
}

export function JobsList({ state, onChange }: Props) {
  const query = toJobsApiQuery(state);
  const jobs = useJobs(query);
  const me = useUser();
  const navigate = useNavigate();
  const toast = useToast();
  const del = useDeleteJob();
  const [toDelete, setToDelete] = useState<JobListItem | null>(null);

  // A page past the end (e.g. after deleting the last row of the last page): go back to page 1.
  const outOfRange = jobs.isError && jobs.error instanceof ApiError && jobs.error.isNotFound && state.page > 1;
  useEffect(() => {
    if (outOfRange) onChange({ page: 1 });
  }, [outOfRange]); // eslint-disable-line react-hooks/exhaustive-deps

  const data = jobs.data;
  const results = data?.results ?? [];
  const filtered = hasActiveFilters(state) || state.tab !== 'all';

  return (
    <div className="stack">
      <JobsFilters state={state} onChange={onChange} showStatus={state.tab === 'all'} />
      {jobs.isError && !data ? (
        <ErrorState title="Could not load training jobs" error={jobs.error} onRetry={() => jobs.refetch()} retrying={jobs.isFetching} />
      ) : !jobs.isPending && results.length === 0 ? (
        filtered ? (
          <EmptyState
            title="No jobs match your filters"
            text="Try a different search, status or date range."
            icon="⌕"
            action={
              <button type="button" className="btn btn--secondary" onClick={() => onChange({ tab: 'all', status: '', dateRange: '', search: '', creator: '', gpuType: '' })}>
                Clear filters
              </button>
            }
          />
        ) : (
          <EmptyState
            title="No training jobs yet"
            text="Fine-tune a base model on your own dataset with LoRA. Jobs you and your team start will show up here."
            icon="✦"
            action={
              <Link className="btn btn--primary" to="/training-jobs/new">
                Create Your First Training Job
              </Link>
            }
          />
        )
      ) : (
        <div className="card card--flush">
          {jobs.isError ? (
            <div className="alert alert--warning alert--inline" role="alert">
              Showing cached results — refresh failed: {errorMessage(jobs.error)}{' '}
              <button type="button" className="btn btn--link" onClick={() => jobs.refetch()}>
                Retry
              </button>
            </div>
          ) : null}
          <CardSort ordering={state.ordering} onSort={(ordering) => onChange({ ordering })} />
          <JobsTable
            jobs={results}
            loading={jobs.isPending || (jobs.isPlaceholderData && jobs.isFetching)}
            ordering={state.ordering}
            onSort={(ordering) => onChange({ ordering })}
            me={me}
            onCancel={(job) => navigate(`/training-jobs/${job.id}?cancel=1`)}
            onDelete={setToDelete}
          />
          {data ? (
            <div className="card__footer">
              <Pagination
                page={data.page}
                totalPages={data.total_pages}
                count={data.count}
                pageSize={data.page_size}
                noun={data.count === 1 ? 'job' : 'jobs'}
                onPageChange={(page) => onChange({ page })}
                pageSizes={PAGE_SIZES}
                onPageSizeChange={(pageSize) => onChange({ pageSize })}
                disabled={jobs.isFetching && jobs.isPlaceholderData}
              />
            </div>
          ) : null}
        </div>
      )}
      {toDelete ? (
        <ConfirmModal
          title="Delete training job?"
          testId="delete-modal"
          message={
            <p>
              <strong>{toDelete.name}</strong> and its metrics, events and checkpoints will be permanently deleted. This cannot be undone.
            </p>
          }
          confirmLabel="Delete Job"
          busyLabel="Deleting…"
          busy={del.isPending}
          onClose={() => setToDelete(null)}
          onConfirm={() =>
            del.mutate(toDelete.id, {
              onSuccess: () => {
                toast.show(`Deleted “${toDelete.name}”`);
                setToDelete(null);
              },
              onError: (e) => toast.show(`Could not delete: ${errorMessage(e)}`, 'error'),
            })
          }
        />
      ) : null}
    </div>
  );
}
