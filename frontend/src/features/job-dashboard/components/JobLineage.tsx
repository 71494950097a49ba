import { Link } from 'react-router';
import type { JobDetail } from '../../../lib/api-types';

/** "Duplicate": the create form prefilled with this job's data, model and hyperparameters. */
export function DuplicateLink({ jobId }: { jobId: string }) {
  return (
    <Link className="btn btn--secondary" to={`/training-jobs/new?clone=${encodeURIComponent(jobId)}`} data-testid="duplicate-job-button">
      Duplicate
    </Link>
  );
}

/** "cloned from <job>" in the header's summary line, when the job is a duplicate. */
export function ClonedFrom({ job }: { job: JobDetail }) {
  if (!job.cloned_from) return null;
  return (
    <span data-testid="cloned-from">
      cloned from <Link to={`/training-jobs/${job.cloned_from.id}`}>{job.cloned_from.name}</Link>
    </span>
  );
}
