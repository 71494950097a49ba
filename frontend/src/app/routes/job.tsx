import { useParams } from 'react-router';

export function JobRoute() {
  const { jobId = '' } = useParams();
  return <div className="page">Job {jobId}</div>;
}
