import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { ConfirmModal } from '../../../components/Modal';
import { Pagination } from '../../../components/Pagination';
import { EmptyState, ErrorState } from '../../../components/States';
import { useToast } from '../../../components/Toast';
import { ApiError, errorMessage } from '../../../lib/api-client';
import type { BulkResult, JobListItem } from '../../../lib/api-types';
import { useUser } from '../../../lib/auth';
import { useDeleteJob } from '../api/delete-job';
import { useJobs } from '../api/get-jobs';
import { PAGE_SIZES, hasActiveFilters, toJobsApiQuery, type JobsListState } from '../utils/url-state';
import { jobsExportUrl } from '../utils/export';
import { BulkActionBar } from './BulkActionBar';
import { BulkResultPanel } from './BulkResultPanel';
import { CardSort } from './CardSort';
import { JobsFilters } from './JobsFilters';
import { JobsTable } from './JobsTable';
import { RowActionFlow, type RowActionTarget } from './RowActionFlow';

interface Props {
  state: JobsListState;
  onChange: (patch: Partial<JobsListState>) => void;
}

export function JobsList({ state, onChange }: Props) {
  const query = toJobsApiQuery(state);
  const jobs = useJobs(query);
  const me = useUser();
  const toast = useToast();
  const del = useDeleteJob();
  const [toDelete, setToDelete] = useState<JobListItem | null>(null);
  // A row's Pause, Resume or Cancel: the job page's dialog, opened here on the list.
  const [rowAction, setRowAction] = useState<RowActionTarget | null>(null);
  // Bulk selection: rows of this page, or (allMatching) every job the filter matches. Any change
  // of filter, sort or page clears it, so an action never reaches rows the user no longer sees.
  const [selected, setSelected] = useState<ReadonlySet<string>>(() => new Set());
  const [allMatching, setAllMatching] = useState(false);
  const [bulkResult, setBulkResult] = useState<BulkResult | null>(null);
  const queryKey = JSON.stringify(query);
  useEffect(() => {
    setSelected(new Set());
    setAllMatching(false);
  }, [queryKey]);
  const clearSelection = () => {
    setSelected(new Set());
    setAllMatching(false);
  };

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
      <div className="jobs-toolbar">
        <JobsFilters state={state} onChange={onChange} showStatus={state.tab === 'all'} />
        <a className="btn btn--secondary btn--sm jobs-toolbar__export" href={jobsExportUrl(query)} download data-testid="export-csv">
          ⤓ Export CSV
        </a>
      </div>
      {bulkResult ? <BulkResultPanel result={bulkResult} onDismiss={() => setBulkResult(null)} /> : null}
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
          {selected.size > 0 || allMatching ? (
            <BulkActionBar
              selectedIds={results.filter((j) => selected.has(j.id)).map((j) => j.id)}
              allMatching={allMatching}
              total={data?.count ?? results.length}
              pageRows={results.length}
              listQuery={query}
              onSelectAllMatching={() => {
                setAllMatching(true);
                setSelected(new Set(results.map((j) => j.id)));
              }}
              onClear={clearSelection}
              onResult={(result) => {
                setBulkResult(result);
                clearSelection();
              }}
            />
          ) : null}
          <CardSort ordering={state.ordering} onSort={(ordering) => onChange({ ordering })} />
          <JobsTable
            jobs={results}
            selection={{
              selected,
              onToggle: (id, checked) => {
                setAllMatching(false);
                setSelected((prev) => {
                  const next = new Set(prev);
                  if (checked) next.add(id);
                  else next.delete(id);
                  return next;
                });
              },
              onTogglePage: (checked) => {
                setAllMatching(false);
                setSelected(checked ? new Set(results.map((j) => j.id)) : new Set());
              },
            }}
            loading={jobs.isPending || (jobs.isPlaceholderData && jobs.isFetching)}
            ordering={state.ordering}
            onSort={(ordering) => onChange({ ordering })}
            me={me}
            onCancel={(job) => setRowAction({ id: job.id, name: job.name, action: 'cancel' })}
            onPause={(job) => setRowAction({ id: job.id, name: job.name, action: 'pause' })}
            onResume={(job) => setRowAction({ id: job.id, name: job.name, action: 'resume' })}
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
      {rowAction ? <RowActionFlow key={`${rowAction.id}:${rowAction.action}`} target={rowAction} onClose={() => setRowAction(null)} /> : null}
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
