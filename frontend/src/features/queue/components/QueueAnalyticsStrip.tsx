import type { QueueAnalytics } from '../../../lib/api-types';
import { formatDuration } from '../../../lib/format';

export function QueueAnalyticsStrip({ analytics }: { analytics: QueueAnalytics }) {
  const items = [
    { label: 'In queue', value: String(analytics.depth) },
    { label: 'Started last hour', value: String(analytics.started_last_hour) },
    { label: 'Avg wait (24h)', value: formatDuration(analytics.average_wait_seconds_24h) },
    { label: 'Longest wait (24h)', value: formatDuration(analytics.longest_wait_seconds_24h) },
    { label: 'Avg wait (7d)', value: formatDuration(analytics.average_wait_seconds_7d) },
    { label: 'Longest wait (7d)', value: formatDuration(analytics.longest_wait_seconds_7d) },
  ];
  return (
    <dl className="stats-strip" aria-label="Queue analytics" data-testid="queue-analytics">
      {items.map((i) => (
        <div key={i.label} className="stats-strip__item">
          <dt>{i.label}</dt>
          <dd>{i.value}</dd>
        </div>
      ))}
    </dl>
  );
}
