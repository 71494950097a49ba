/** Server elapsed seconds advanced client-side by the time since the data was fetched. */
export function liveElapsedSeconds(elapsedSeconds: number | null, fetchedAtMs: number, nowMs: number, ticking: boolean): number | null {
  if (elapsedSeconds === null || elapsedSeconds === undefined) return null;
  if (!ticking || !fetchedAtMs) return elapsedSeconds;
  return elapsedSeconds + Math.max(0, (nowMs - fetchedAtMs) / 1000);
}

/** Seconds since an ISO timestamp (never negative, null without one). */
export function secondsSince(iso: string | null | undefined, nowMs: number): number | null {
  if (!iso) return null;
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return null;
  return Math.max(0, (nowMs - t) / 1000);
}
