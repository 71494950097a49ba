import { Link } from 'react-router';
import { ProgressBar } from '../../../components/ProgressBar';
import type { QueueState } from '../../../lib/api-types';
import { formatDayTime } from '../../../lib/format';
import { STAGE_LABELS } from '../../../lib/status';
import { buildSlots } from '../utils/position';

export function ActiveSlotsPanel({ queue }: { queue: QueueState }) {
  const slots = buildSlots(queue.active, queue.concurrency_limit);
  return (
    <section className="card slots" aria-labelledby="slots-title" data-testid="active-slots">
      <div className="slots__header">
        <h2 id="slots-title" className="card__title">
          Active training jobs: {queue.active_count} of {queue.concurrency_limit} slots
        </h2>
        <span className="muted">
          {queue.active_count >= queue.concurrency_limit ? 'All slots busy — new jobs wait in the queue' : `${queue.concurrency_limit - queue.active_count} slot(s) free`}
        </span>
      </div>
      <ul className="slots__grid">
        {slots.map((s) =>
          s.kind === 'busy' ? (
            <li key={`busy-${s.item.slot}-${s.item.job.id}`} className="slot slot--busy" data-testid="slot-busy">
              <div className="slot__top">
                <span className="slot__dot" aria-hidden="true" />
                <Link to={`/training-jobs/${s.item.job.id}`} className="slot__name">
                  {s.item.job.name}
                </Link>
                <span className="slot__pct">{Math.round(s.item.job.percent_complete)}%</span>
              </div>
              <ProgressBar value={s.item.job.percent_complete} size="sm" label={`${s.item.job.name} progress`} valueText={`${Math.round(s.item.job.percent_complete)}%`} />
              <div className="slot__meta">
                {s.item.job.stage ? STAGE_LABELS[s.item.job.stage] : s.item.job.status}
                {s.item.estimated_finish_at ? ` · ends ${formatDayTime(s.item.estimated_finish_at)}` : ''}
              </div>
            </li>
          ) : (
            <li key={`free-${s.index}`} className="slot slot--free" data-testid="slot-free">
              <span className="slot__dot slot__dot--free" aria-hidden="true" />
              Available
            </li>
          ),
        )}
      </ul>
    </section>
  );
}
