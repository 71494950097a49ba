import { Link } from 'react-router';
import { Badge } from '../../../components/Badge';
import { ActionsMenu, type MenuItem } from '../../../components/Menu';
import type { QueueEntry, User } from '../../../lib/api-types';
import { formatEstimatedStart } from '../../../lib/format';
import { useNow } from '../../../lib/hooks';
import { positionTone } from '../utils/position';
import { PriorityBadge } from './PriorityBadge';

interface Props {
  entry: QueueEntry;
  me: User | null;
  onViewConfig: () => void;
  onRemove: () => void;
  onPromote: () => void;
}

export function QueueCard({ entry, me, onViewConfig, onRemove, onPromote }: Props) {
  const now = useNow(1000);
  const { job, position } = entry;
  const canRemove = job.allowed_actions.includes('remove_from_queue');
  const canPromote = position > 1 && (job.allowed_actions.includes('promote') || !!me?.is_manager);
  const items: MenuItem[] = [{ key: 'config', label: 'View configuration', onSelect: onViewConfig }];
  if (canPromote) items.push({ key: 'promote', label: 'Promote to front', onSelect: onPromote });
  if (canRemove) items.push({ key: 'remove', label: 'Remove from queue', danger: true, onSelect: onRemove });
  const creator = me && job.created_by.id === me.id ? 'You' : job.created_by.display_name || job.created_by.username;
  return (
    <li className="queue-card card" data-testid="queue-card" data-job-id={job.id}>
      <Badge tone={positionTone(position)} className="queue-card__pos" label={`Queue position ${position}`} testId="position-badge">
        #{position}
      </Badge>
      <div className="queue-card__body">
        <Link to={`/training-jobs/${job.id}`} className="queue-card__name">
          {job.name}
        </Link>
        {job.recovering ? <Badge tone="yellow" icon="↻">Recovering</Badge> : null}
        <PriorityBadge priority={job.priority} />
        <div className="queue-card__config">{job.configuration_summary}</div>
        <div className="queue-card__start" data-testid="estimated-start">
          <span className="muted">Est. Start:</span> {formatEstimatedStart(entry.estimated_start_at, now)}
        </div>
        {entry.reason ? (
          <div className="queue-card__reason small muted" data-testid="queue-reason">
            {entry.reason}
          </div>
        ) : null}
        <div className="queue-card__creator muted">Created by: {creator}</div>
      </div>
      <div className="queue-card__actions">
        <button type="button" className="btn btn--secondary btn--sm hide-sm" onClick={onViewConfig}>
          View configuration
        </button>
        {canPromote ? (
          <button type="button" className="btn btn--secondary btn--sm hide-sm" onClick={onPromote}>
            Promote to front
          </button>
        ) : null}
        {canRemove ? (
          <button type="button" className="btn btn--danger-outline btn--sm hide-sm" onClick={onRemove}>
            Remove from queue
          </button>
        ) : null}
        <span className="show-sm">
          <ActionsMenu label={`Queue actions for ${job.name}`} items={items} />
        </span>
      </div>
    </li>
  );
}
