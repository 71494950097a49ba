import { Link } from 'react-router';
import { StatusBadge } from '../../../components/Badge';
import { Spinner } from '../../../components/Spinner';
import type { JobDetail } from '../../../lib/api-types';
import { ClonedFrom, DuplicateLink } from './JobLineage';

interface Props {
  job: JobDetail;
  /** A refresh (the button's, or a background poll) is in flight: the button shows a spinner. */
  refreshing: boolean;
  /** The user-started refresh is in flight: the button is disabled so it cannot be stacked. */
  refreshDisabled: boolean;
  onRefresh: () => void;
  canCancel: boolean;
  onCancel: () => void;
}

/** The job page's header: back link, name, status, summary, Refresh and the cancel action or its outcome. */
export function JobHeader({ job, refreshing, refreshDisabled, onRefresh, canCancel, onCancel }: Props) {
  return (
    <div className="stack-sm">
      <Link to="/dashboard/training-jobs" className="back-link">
        ← Training jobs
      </Link>
      <div className="job-header">
        <div style={{ minWidth: 0 }}>
          <div className="job-header__title">
            <h1 className="page__title" data-testid="job-name">
              {job.name}
            </h1>
            <StatusBadge status={job.status} recovering={job.recovering} />
          </div>
          <div className="job-header__meta">
            <span>{job.configuration_summary}</span>
            <span>{job.base_model}</span>
            <span>by {job.created_by.display_name || job.created_by.username}</span>
            <ClonedFrom job={job} />
          </div>
        </div>
        <div className="job-header__actions">
          <button
            type="button"
            className="btn btn--secondary"
            onClick={onRefresh}
            disabled={refreshDisabled}
            aria-label="Refresh job data"
            data-testid="refresh-button"
          >
            {refreshing ? <Spinner label="Refreshing" size={14} /> : <span aria-hidden="true">↻</span>}
            Refresh
          </button>
          <DuplicateLink jobId={job.id} />
          {canCancel ? (
            <button
              type="button"
              className={`btn btn--danger${job.cost.over_estimate ? ' btn--emphasis' : ''}`}
              onClick={onCancel}
              data-testid="cancel-job-button"
            >
              Cancel Job
            </button>
          ) : job.status === 'cancelled' ? (
            <span className="status-indicator" data-testid="job-cancelled-indicator">
              ⊘ Job Cancelled
            </span>
          ) : job.status === 'cancelling' ? (
            <span className="status-indicator" data-testid="job-cancelling-indicator">
              <Spinner label="Cancelling" size={14} /> Cancelling…
            </span>
          ) : null}
        </div>
      </div>
    </div>
  );
}
