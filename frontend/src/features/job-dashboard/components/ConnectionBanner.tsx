import { errorMessage } from '../../../lib/api-client';
import { formatDuration, formatTimeWithSeconds } from '../../../lib/format';
import { useNow } from '../../../lib/hooks';
import { type Connection, updatedAgoText } from '../utils/figures';
import './dash.css';

interface FreshnessProps {
  updatedAt: number;
  connection: Connection;
  fetching: boolean;
}

/** "Updated 12 s ago" beside the job's header; says "Updating…" while a refresh is in flight. */
export function FreshnessIndicator({ updatedAt, connection, fetching }: FreshnessProps) {
  const now = useNow(1000);
  const text = fetching && connection === 'live' ? 'Updating…' : updatedAgoText(updatedAt, now);
  return (
    <p className={`freshness freshness--${connection}`} data-testid="updated-ago" data-connection={connection} title={updatedAt ? `Data as of ${formatTimeWithSeconds(new Date(updatedAt).toISOString())}` : undefined}>
      <span className="freshness__dot" aria-hidden="true" />
      {text}
    </p>
  );
}

interface BannerProps {
  connection: Connection;
  updatedAt: number;
  error: unknown;
  /** The next automatic refresh, in ms from now (null: none planned, e.g. waiting to be online). */
  nextRetryMs: number | null;
  onRetry: () => void;
  retrying: boolean;
}

/** Says that the page shows old data, how old, and what happens next (offline: waits for the
 * connection; failing: retries with growing pauses). Nothing while data is current. */
export function ConnectionBanner({ connection, updatedAt, error, nextRetryMs, onRetry, retrying }: BannerProps) {
  const now = useNow(1000, connection !== 'live');
  if (connection === 'live') return null;
  const asOf = updatedAt ? formatTimeWithSeconds(new Date(updatedAt).toISOString()) : null;
  const age = updatedAt ? formatDuration((now - updatedAt) / 1000) : null;
  const shown = asOf ? `The figures below are from ${asOf} (${age} ago) and are not moving.` : 'Nothing could be loaded yet.';
  return (
    <div className="alert alert--warning connection-banner" role="status" data-testid="connection-banner" data-connection={connection}>
      <div className="alert__body">
        <div className="alert__title">{connection === 'offline' ? 'You are offline' : 'Cannot reach the server'}</div>
        {shown}{' '}
        {connection === 'offline'
          ? 'Updates resume by themselves when the connection returns.'
          : `Last error: ${errorMessage(error)}. ${nextRetryMs !== null ? `Trying again in ${formatDuration(nextRetryMs / 1000)} (polling backs off while this lasts).` : ''}`}
      </div>
      {connection === 'failing' ? (
        <button type="button" className="btn btn--secondary btn--sm" onClick={onRetry} disabled={retrying}>
          {retrying ? 'Retrying…' : 'Retry now'}
        </button>
      ) : null}
    </div>
  );
}
