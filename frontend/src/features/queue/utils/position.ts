export { positionTone } from '../../../lib/status';

/** Slots for the "Active training jobs: 2 of 3 slots" panel: filled slots first, then free ones. */
export function buildSlots<T extends { slot: number }>(active: T[], limit: number): ({ kind: 'busy'; item: T } | { kind: 'free'; index: number })[] {
  const sorted = [...active].sort((a, b) => a.slot - b.slot);
  const out: ({ kind: 'busy'; item: T } | { kind: 'free'; index: number })[] = sorted.map((item) => ({ kind: 'busy', item }));
  for (let i = sorted.length; i < Math.max(limit, sorted.length); i++) out.push({ kind: 'free', index: i });
  return out;
}

export function secondsUntil(iso: string | null, nowMs: number): number | null {
  if (!iso) return null;
  const t = new Date(iso).getTime();
  return Number.isNaN(t) ? null : Math.max(0, (t - nowMs) / 1000);
}
