import { Link, useNavigate } from 'react-router';
import { StatusBadge } from '../../../components/Badge';
import { ActionsMenu, type MenuItem } from '../../../components/Menu';
import { ProgressBar } from '../../../components/ProgressBar';
import { Skeleton } from '../../../components/Skeleton';
import type { JobListItem, User } from '../../../lib/api-types';
import { formatCurrency, formatDayTime, formatDuration } from '../../../lib/format';
import { STAGE_LABELS, isActive } from '../../../lib/status';
import { duplicatePath } from '../utils/clone';
import { SelectCheckbox } from './SelectCheckbox';
import { sortDirection, toggleOrdering, type SortField } from '../utils/url-state';

interface Column {
  key: string;
  label: string;
  sort?: SortField;
  className?: string;
}

const COLUMNS: Column[] = [
  { key: 'name', label: 'Job Name', sort: 'name' },
  { key: 'status', label: 'Status', sort: 'status' },
  { key: 'config', label: 'Configuration', className: 'hide-md' },
  { key: 'creator', label: 'Created By', className: 'hide-sm' },
  { key: 'started', label: 'Started At', sort: 'started_at', className: 'hide-sm' },
  { key: 'duration', label: 'Duration', sort: 'duration' },
  { key: 'cost', label: 'Cost', sort: 'cost', className: 'num' },
  { key: 'actions', label: 'Actions', className: 'col-actions' },
];

interface Props {
  jobs: JobListItem[];
  loading: boolean;
  ordering: string;
  onSort: (ordering: string) => void;
  me: User | null;
  onCancel: (job: JobListItem) => void;
  /** Pause a running job / resume a paused one (offered when its `allowed_actions` say so). */
  onPause: (job: JobListItem) => void;
  onResume: (job: JobListItem) => void;
  onDelete: (job: JobListItem) => void;
  /** Row checkboxes for bulk actions (a first column) when given. */
  selection?: {
    selected: ReadonlySet<string>;
    onToggle: (id: string, checked: boolean) => void;
    onTogglePage: (checked: boolean) => void;
  };
}

export function JobsTable({ jobs, loading, ordering, onSort, me, onCancel, onPause, onResume, onDelete, selection }: Props) {
  const navigate = useNavigate();
  const pageSelected = selection ? jobs.filter((j) => selection.selected.has(j.id)).length : 0;
  return (
    <div className="table-wrap">
      <table className="table table--jobs" data-testid="jobs-table" aria-busy={loading}>
        <thead>
          <tr>
            {selection ? (
              <th scope="col" className="col-select">
                <SelectCheckbox
                  checked={jobs.length > 0 && pageSelected === jobs.length}
                  mixed={pageSelected > 0}
                  label="Select all jobs on this page"
                  onChange={selection.onTogglePage}
                  testId="select-page"
                />
              </th>
            ) : null}
            {COLUMNS.map((c) => {
              const dir = c.sort ? sortDirection(ordering, c.sort) : 'none';
              return (
                <th key={c.key} scope="col" className={c.className} aria-sort={c.sort ? dir : undefined}>
                  {c.sort ? (
                    <button type="button" className={`th-sort th-sort--${dir}`} onClick={() => onSort(toggleOrdering(ordering, c.sort!))}>
                      {c.label}
                      <span className="th-sort__icon" aria-hidden="true">
                        {dir === 'ascending' ? '▲' : dir === 'descending' ? '▼' : '↕'}
                      </span>
                    </button>
                  ) : c.key === 'actions' ? (
                    <span className="visually-hidden">{c.label}</span>
                  ) : (
                    c.label
                  )}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {loading && jobs.length === 0
            ? Array.from({ length: 8 }, (_, i) => (
                <tr key={`sk-${i}`} className="row-skeleton" aria-hidden="true">
                  {selection ? <td className="col-select" /> : null}
                  {COLUMNS.map((c) => (
                    <td key={c.key} className={c.className}>
                      <Skeleton width={c.key === 'name' ? '80%' : '60%'} />
                    </td>
                  ))}
                </tr>
              ))
            : jobs.map((job) => {
                const items: MenuItem[] = [
                  { key: 'view', label: 'View Details', onSelect: () => navigate(`/training-jobs/${job.id}`) },
                  { key: 'duplicate', label: 'Duplicate', onSelect: () => navigate(duplicatePath(job.id)) },
                ];
                // The same rules as the job page's header: the API's allowed_actions for this user and job.
                if (job.allowed_actions.includes('pause')) items.push({ key: 'pause', label: 'Pause Job', onSelect: () => onPause(job) });
                if (job.allowed_actions.includes('resume')) items.push({ key: 'resume', label: 'Resume Training', onSelect: () => onResume(job) });
                if (job.allowed_actions.includes('cancel')) items.push({ key: 'cancel', label: 'Cancel Job', danger: true, onSelect: () => onCancel(job) });
                if (job.allowed_actions.includes('delete')) items.push({ key: 'delete', label: 'Delete', danger: true, onSelect: () => onDelete(job) });
                const showProgress = isActive(job.status) || job.status === 'paused';
                return (
                  <tr
                    key={job.id}
                    className="row-link"
                    data-testid="job-row"
                    data-job-id={job.id}
                    onClick={(e) => {
                      if ((e.target as HTMLElement).closest('a,button,input,label')) return;
                      navigate(`/training-jobs/${job.id}`);
                    }}
                    data-selected={selection?.selected.has(job.id) ? "true" : undefined}
                  >
                    {selection ? (
                      <td className="col-select">
                        <SelectCheckbox checked={selection.selected.has(job.id)} label={`Select ${job.name}`} onChange={(c) => selection.onToggle(job.id, c)} testId="select-job" />
                      </td>
                    ) : null}
                    <td className="cell-name">
                      <Link className="job-link" to={`/training-jobs/${job.id}`}>
                        {job.name}
                      </Link>
                      <div className="cell-sub show-md">{job.configuration_summary}</div>
                    </td>
                    <td className="cell-status">
                      <StatusBadge status={job.status} recovering={job.recovering} />
                      {showProgress ? (
                        <div className="cell-progress">
                          <ProgressBar value={job.percent_complete} size="sm" label={`${job.name} progress`} valueText={`${Math.round(job.percent_complete)}%`} />
                          <span className="cell-sub">
                            {job.stage ? `${STAGE_LABELS[job.stage]} · ` : ''}
                            {Math.round(job.percent_complete)}%
                          </span>
                        </div>
                      ) : job.status === 'queued' && job.queue_position ? (
                        <div className="cell-sub">Position #{job.queue_position}</div>
                      ) : null}
                    </td>
                    <td className="hide-md">
                      <span className="cell-config">{job.configuration_summary}</span>
                      <div className="cell-sub">{job.base_model}</div>
                    </td>
                    <td className="hide-sm">{me && job.created_by.id === me.id ? 'You' : job.created_by.display_name || job.created_by.username}</td>
                    <td className="hide-sm nowrap">{job.started_at ? formatDayTime(job.started_at) : <span className="muted">Not started</span>}</td>
                    <td className="nowrap cell-duration" data-label="Duration">{formatDuration(job.duration_seconds)}</td>
                    <td className="num nowrap cell-cost" data-label="Cost">{formatCurrency(job.current_cost)}</td>
                    <td className="col-actions">
                      <ActionsMenu label={`Actions for ${job.name}`} items={items} />
                    </td>
                  </tr>
                );
              })}
        </tbody>
      </table>
    </div>
  );
}
