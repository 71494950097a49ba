import { useParams } from 'react-router';
import { EventLog } from '../../features/event-log/components/EventLog';
import { JobDashboard } from '../../features/job-dashboard/components/JobDashboard';
import { isTerminal } from '../../lib/status';

export function JobRoute() {
  const { jobId = '' } = useParams();
  return <JobDashboard key={jobId} jobId={jobId} renderEventLog={(job) => <EventLog jobId={job.id} live={!isTerminal(job.status)} />} />;
}
