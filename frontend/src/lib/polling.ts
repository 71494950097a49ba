/** Longest wait between polls while the server cannot be reached. */
export const MAX_BACKOFF_MS = 5 * 60_000;

/**
 * Poll interval while refreshes fail: as long as the data has already been stale (so the waits
 * double: 60 s, 120 s, 240 s…), at least `baseMs`, at most 5 min, so a page left open on a lost
 * connection does not hammer the server. `staleForMs` is 0 while the last refresh worked.
 */
export function backoffInterval(baseMs: number, staleForMs: number): number {
  if (staleForMs <= 0) return baseMs;
  return Math.min(MAX_BACKOFF_MS, Math.max(baseMs, staleForMs));
}

/** How long a query's data has been stale because its refreshes fail (0 when the last worked). */
export function failingForMs(state: { dataUpdatedAt: number; errorUpdatedAt: number }, nowMs: number): number {
  if (!state.errorUpdatedAt || state.errorUpdatedAt <= state.dataUpdatedAt) return 0;
  return Math.max(0, nowMs - state.dataUpdatedAt);
}
