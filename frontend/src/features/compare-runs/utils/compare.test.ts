import { describe, expect, it } from 'vitest';
import type { CompareResponse } from '../../../lib/api-types';
import { A, B, run } from './test-fixtures';
import { bestRun, compareCurves, compareTable, readCompareView, toggleId, writeCompareView } from './compare';

const ids = ['a', 'b', 'c', 'd', 'e', 'f'].map((c) => `${c.repeat(8)}-0000-0000-0000-000000000000`);

describe('compare view in the URL', () => {
  it('keeps 2 to 5 distinct job ids in order, drops junk', () => {
    const v = readCompareView(new URLSearchParams(`jobs=${B},junk,${A.toUpperCase()},${B}&align=tokens&show=val&log=1`));
    expect(v).toEqual({ ids: [B, A], align: 'tokens', show: 'val', log: true });
    expect(readCompareView(new URLSearchParams(`jobs=${ids.join(',')}`)).ids).toEqual(ids.slice(0, 5));
    expect(readCompareView(new URLSearchParams('align=x&show=y'))).toEqual({ ids: [], align: 'step', show: 'both', log: false });
  });
  it('writes a short shareable query that reads back the same', () => {
    const v = { ids: [A, B], align: 'step' as const, show: 'both' as const, log: false };
    expect(writeCompareView(v).toString()).toBe(`jobs=${A}%2C${B}`);
    const w = { ...v, align: 'tokens' as const, log: true };
    expect(readCompareView(writeCompareView(w))).toEqual(w);
  });
  it('selection toggles and stops at five', () => {
    expect(toggleId([A], B)).toEqual([A, B]);
    expect(toggleId([A, B], A)).toEqual([B]);
    expect(toggleId(ids.slice(0, 5), ids[5])).toEqual(ids.slice(0, 5));
  });
});

describe('overlaid curves', () => {
  it('by step: training solid and validation per run, gaps left out', () => {
    const { curves, unaligned } = compareCurves([run(), run({ id: B, name: 'lr-high' })], 'step', 'both');
    expect(unaligned).toEqual([]);
    expect(curves.map((c) => [c.run, c.kind, c.points.length])).toEqual([
      [0, 'train', 2],
      [0, 'val', 3],
      [1, 'train', 2],
      [1, 'val', 3],
    ]);
    expect(curves[0].points).toEqual([
      { x: 10, y: 2.0 },
      { x: 20, y: 1.5 },
    ]);
    expect(curves[0].color).not.toBe(curves[2].color);
  });
  it('by tokens seen: x is tokens; a run without a token count is named, not drawn', () => {
    const noTokens = run({ id: B, name: 'no-estimate', tokens_per_step: null, points: run().points.map((p) => ({ ...p, tokens_seen: null })) });
    const { curves, unaligned } = compareCurves([run(), noTokens], 'tokens', 'val');
    expect(unaligned).toEqual(['no-estimate']);
    expect(curves).toHaveLength(1);
    expect(curves[0].points.map((p) => p.x)).toEqual([0, 1000, 2000]);
  });
});

describe('comparison table', () => {
  const data: CompareResponse = {
    differing: ['learning_rate'],
    runs: [run(), run({ id: B, name: 'lr-high', config: { ...run().config, learning_rate: 0.0003 }, final: { ...run().final, best_val_loss: 1.2, val_loss: 1.3, cost: 0.0021 } })],
  };
  it('lists the differing settings first, then finals with one money format', () => {
    const rows = compareTable(data);
    expect(rows[0]).toMatchObject({ key: 'learning_rate', label: 'Learning rate', values: ['0.0001', '0.0003'], differs: true, group: 'config' });
    const byKey = Object.fromEntries(rows.map((r) => [r.key, r]));
    expect(byKey.best_val_loss).toMatchObject({ values: ['1.600', '1.200'], differs: true });
    expect(byKey.train_loss).toMatchObject({ values: ['1.500', '1.500'], differs: false });
    expect(byKey.cost.values).toEqual(['$0.0013', '$0.0021']);
    expect(byKey.gpu_mem.values).toEqual(['not measured', 'not measured']);
    expect(byKey.steps.values).toEqual(['20 / 20', '20 / 20']);
  });
  it('names the run with the lowest best validation loss', () => {
    expect(bestRun(data.runs)).toBe(1);
    expect(bestRun([run({ final: { ...run().final, best_val_loss: null } })])).toBeNull();
  });
});
