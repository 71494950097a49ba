import { Badge } from '../../../components/Badge';
import type { JobDetail, JobPause, PauseHistory } from '../../../lib/api-types';
import { jobMoney } from '../../../lib/money';
import { formatDateTime, formatDuration, formatNumber, formatValue } from '../../../lib/format';
import type { Tone } from '../../../lib/status';
import { pausedBy } from './PauseCard';

const SOURCE: Record<JobPause['source'], { label: string; tone: Tone }> = {
  user: { label: 'Manual', tone: 'blue' },
  anomaly: { label: 'Anomaly', tone: 'orange' },
  budget: { label: 'Budget cap', tone: 'yellow' },
  system: { label: 'System', tone: 'grey' },
};

function outcome(p: JobPause): string {
  switch (p.state) {
    case 'requested':
      return 'Pausing at the next step boundary…';
    case 'paused':
      return 'Paused now';
    case 'resumed': {
      const who = p.resumed_by ? ` by ${p.resumed_by.display_name || p.resumed_by.username}` : '';
      const gpu = p.resume_gpu_type ? ` on ${p.resume_gpu_type.name}` : '';
      const changes = Object.entries(p.resume_changes ?? {})
        .map(([k, [a, b]]) => `${k} ${formatValue(a)} → ${formatValue(b)}`)
        .join(', ');
      return `Resumed ${formatDateTime(p.ended_at)}${who}${gpu}${changes ? ` · ${changes}` : ''}`;
    }
    case 'cancelled':
      return `Cancelled while paused, ${formatDateTime(p.ended_at)}`;
    default:
      return `Not applied: ${p.note}`;
  }
}

/** Every pause of the job, oldest first, with the active vs paused time split; amounts in the
 * job page's one money format (`cost`: the job's, whose amounts pick it). */
export function PauseTimeline({ history, cost }: { history: PauseHistory; cost: JobDetail['cost'] }) {
  const m = jobMoney(cost);
  return (
    <div className="stack-sm" data-testid="pause-timeline">
      <div className="cost__rows" data-testid="pause-time-split">
        <div className="cost__row">
          <span>Active (billed)</span>
          <span data-testid="active-time">{formatDuration(history.active_seconds)}</span>
        </div>
        <div className="cost__row">
          <span>Paused (not billed)</span>
          <span data-testid="paused-time">{formatDuration(history.paused_seconds)}</span>
        </div>
      </div>
      {history.pauses.length === 0 ? (
        <p className="muted small">This job has never been paused.</p>
      ) : (
        <ol className="stack-sm" style={{ margin: 0, paddingLeft: 0, listStyle: 'none' }}>
          {history.pauses.map((p) => (
            <li key={p.number} className="kv__pair" data-testid="pause-timeline-item" data-state={p.state}>
              <div className="row" style={{ justifyContent: 'space-between', gap: 8 }}>
                <strong>Pause {p.number}</strong>
                <Badge tone={SOURCE[p.source].tone}>{SOURCE[p.source].label}</Badge>
              </div>
              <div className="small">{p.reason}</div>
              <div className="small muted">
                Requested {formatDateTime(p.requested_at)} by {pausedBy(p)}
                {p.paused_at
                  ? ` · paused at step ${formatNumber(p.step ?? 0)} · spend ${m.money(p.spend)} · paused for ${formatDuration(p.paused_seconds)}`
                  : ''}
              </div>
              <div className="small">{outcome(p)}</div>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
