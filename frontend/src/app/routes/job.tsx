import { useParams } from 'react-router';
import { EventLog } from '../../features/event-log/components/EventLog';
import { JobDashboard } from '../../features/job-dashboard/components/JobDashboard';
import { JobLogs } from '../../features/job-logs/components/JobLogs';
import { NotifyToggle } from '../../features/notifications/components/NotifyToggle';
import { isTerminal } from '../../lib/status';

export function JobRoute() {
  const { jobId = '' } = useParams();
  return (
    <JobDashboard
      key={jobId}
      jobId={jobId}
      renderEventLog={(job) => <EventLog jobId={job.id} live={!isTerminal(job.status)} />}
      renderLogs={(job) => <JobLogs jobId={job.id} live={!isTerminal(job.status)} />}
      renderActions={(job) => <NotifyToggle jobId={job.id} finished={isTerminal(job.status)} />}
    />
  );
}
