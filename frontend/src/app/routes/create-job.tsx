import { useEffect } from 'react';
import { Link } from 'react-router';
import { CreateJobForm } from '../../features/jobs/components/CreateJobForm';

export function CreateJobRoute() {
  useEffect(() => {
    document.title = 'New training job · LoRA Pipeline';
  }, []);
  return (
    <div className="page">
      <div>
        <Link to="/dashboard/training-jobs" className="back-link">
          ← Training jobs
        </Link>
        <h1 className="page__title" style={{ marginTop: 6 }}>
          Create Training Job
        </h1>
        <p className="page__subtitle">Fine-tune a base model with LoRA on your dataset. You see the estimated time and cost before you start.</p>
      </div>
      <CreateJobForm />
    </div>
  );
}
