import { describe, expect, it } from 'vitest';
import { buildSlots, positionTone, secondsUntil } from './position';

describe('queue position badge colours', () => {
  it('#1–3 green, #4–7 yellow, #8+ orange', () => {
    expect([1, 2, 3].map(positionTone)).toEqual(['green', 'green', 'green']);
    expect([4, 5, 6, 7].map(positionTone)).toEqual(['yellow', 'yellow', 'yellow', 'yellow']);
    expect([8, 9, 25].map(positionTone)).toEqual(['orange', 'orange', 'orange']);
  });
});

describe('active slots', () => {
  it('lists busy slots by slot number then free ones', () => {
    const slots = buildSlots([{ slot: 2 }, { slot: 0 }], 3);
    expect(slots.map((s) => s.kind)).toEqual(['busy', 'busy', 'free']);
    expect(slots[0]).toEqual({ kind: 'busy', item: { slot: 0 } });
  });
  it('shows all free slots when nothing runs', () => {
    expect(buildSlots([], 3).map((s) => s.kind)).toEqual(['free', 'free', 'free']);
  });
});

describe('secondsUntil', () => {
  it('counts down and never goes negative', () => {
    const now = Date.UTC(2026, 0, 1, 12, 0, 0);
    expect(secondsUntil(new Date(now + 90_000).toISOString(), now)).toBe(90);
    expect(secondsUntil(new Date(now - 5_000).toISOString(), now)).toBe(0);
    expect(secondsUntil(null, now)).toBeNull();
  });
});
