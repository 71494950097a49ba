import { Badge } from '../../../components/Badge';
import type { Priority } from '../../../lib/api-types';

/** A queued job's priority when it is not the default: high goes first, low waits (boundedly). */
export function PriorityBadge({ priority }: { priority: Priority }) {
  if (priority === 'normal') return null;
  return (
    <Badge tone={priority === 'high' ? 'red' : 'grey'} testId="priority-badge">
      {priority === 'high' ? 'High priority' : 'Low priority'}
    </Badge>
  );
}
