/**
 * The job page's figures derived from the latest measured state: the server's numbers at fetch
 * time, advanced by the time since the fetch while the job runs and the data is fresh; frozen
 * (and labelled with their age) when the data is stale or the browser is offline.
 */

/** Remaining seconds counted down since the fetch while ticking (never below zero). */
export function liveRemainingSeconds(remaining: number | null | undefined, fetchedAtMs: number, nowMs: number, ticking: boolean): number | null {
  if (remaining === null || remaining === undefined) return null;
  if (!ticking || !fetchedAtMs) return remaining;
  return Math.max(0, remaining - Math.max(0, (nowMs - fetchedAtMs) / 1000));
}

/** "Updated just now", "Updated 12 s ago", "Updated 3 min ago", "Updated 2 h ago". */
export function updatedAgoText(updatedAtMs: number, nowMs: number): string {
  if (!updatedAtMs) return 'Not loaded yet';
  const s = Math.max(0, Math.floor((nowMs - updatedAtMs) / 1000));
  if (s < 5) return 'Updated just now';
  if (s < 60) return `Updated ${s} s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `Updated ${m} min ago`;
  return `Updated ${Math.floor(m / 60)} h ago`;
}

export type Connection = 'live' | 'offline' | 'failing';

/** Whether the page shows current data: the browser is offline, the last refresh failed, or live. */
export function connectionState({ online, failing }: { online: boolean; failing: boolean }): Connection {
  if (!online) return 'offline';
  if (failing) return 'failing';
  return 'live';
}
