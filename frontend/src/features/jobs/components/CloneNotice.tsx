import { Link } from 'react-router';
import { errorMessage } from '../../../lib/api-client';
import type { CloneTemplate } from '../../../lib/api-types';

interface Props {
  jobId: string;
  template: CloneTemplate | undefined;
  loading: boolean;
  error: unknown;
}

/** Above the create form when it duplicates a job: which one, and what could not be carried over. */
export function CloneNotice({ jobId, template, loading, error }: Props) {
  if (error) {
    return (
      <div className="alert alert--error" role="alert" data-testid="clone-notice">
        <div className="alert__body">
          <div className="alert__title">Could not load the job to duplicate</div>
          {errorMessage(error)} The form starts empty.
        </div>
      </div>
    );
  }
  if (loading || !template) {
    return (
      <div className="alert alert--info" role="status" data-testid="clone-notice">
        <div className="alert__body">Loading the job to duplicate…</div>
      </div>
    );
  }
  return (
    <div className={`alert ${template.warnings.length ? 'alert--warning' : 'alert--info'}`} role="status" data-testid="clone-notice">
      <div className="alert__body">
        <div className="alert__title">
          Duplicating <Link to={`/training-jobs/${jobId}`}>{template.source_name}</Link>
        </div>
        Its dataset, base model, GPU type, pricing and hyperparameters are filled in below; change anything before you start.
        {template.warnings.length ? (
          <ul className="clone-notice__warnings" data-testid="clone-warnings">
            {template.warnings.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        ) : null}
      </div>
    </div>
  );
}
