import { describe, expect, it } from 'vitest';
import type { JobStageInfo, MetricPoint } from '../../../lib/api-types';
import { chartSummary, lossSeries, mergePoints, tooltipText, zoomInWindow } from './chart';
import { costPercent, costTone } from './cost';
import { liveElapsedSeconds, secondsSince } from './elapsed';
import { describeStage, describeStages, normalizeStages } from './stages';
import { computeTrend, perplexity } from './trend';

const pt = (step: number, train: number | null, val: number | null = null): MetricPoint => ({
  step,
  epoch: 1,
  train_loss: train,
  val_loss: val,
  learning_rate: 0.0002,
  grad_norm: 1,
  tokens_per_second: 1000,
  gpu_utilization: null,
  gpu_memory_mb: null,
  recorded_at: '2026-01-01T00:00:00Z',
});

describe('trend arrows', () => {
  it('loss going down is a green ↓ with the percent change', () => {
    const t = computeTrend(0.342, 0.389, 'lower')!;
    expect(t).toMatchObject({ direction: 'down', tone: 'good', arrow: '↓' });
    expect(t.percent).toBeCloseTo(-12.08, 1);
    expect(t.text).toBe('↓ −12.1%');
  });
  it('loss going up is a red ↑', () => {
    expect(computeTrend(0.45, 0.4, 'lower')).toMatchObject({ direction: 'up', tone: 'bad', arrow: '↑', text: '↑ +12.5%' });
  });
  it('unchanged is a grey → without percent', () => {
    expect(computeTrend(0.4, 0.4)).toEqual({ direction: 'flat', tone: 'neutral', arrow: '→', percent: null, text: 'No change' });
    expect(computeTrend(0.40001, 0.4)?.direction).toBe('flat');
  });
  it('throughput going up is good', () => {
    expect(computeTrend(1200, 1000, 'higher')?.tone).toBe('good');
    expect(computeTrend(800, 1000, 'higher')?.tone).toBe('bad');
  });
  it('neutral metrics are never coloured', () => {
    expect(computeTrend(2, 1, 'neutral')?.tone).toBe('neutral');
  });
  it('no trend without both values', () => {
    expect(computeTrend(0.3, null)).toBeNull();
    expect(computeTrend(undefined, 0.3)).toBeNull();
  });
  it('handles a previous value of zero', () => {
    expect(computeTrend(1, 0, 'lower')).toMatchObject({ direction: 'up', percent: null, text: '↑' });
  });
  it('perplexity = exp(val loss), else exp(train loss)', () => {
    expect(perplexity(1, 2)).toBeCloseTo(Math.E);
    expect(perplexity(null, 0)).toBe(1);
    expect(perplexity(null, null)).toBeNull();
    expect(perplexity(1e6, null)).toBeNull();
  });
});

describe('cost colours', () => {
  it('green under 80 %, yellow 80–100 %, red over 100 %', () => {
    expect(costTone(0)).toBe('green');
    expect(costTone(79.9)).toBe('green');
    expect(costTone(80)).toBe('yellow');
    expect(costTone(100)).toBe('yellow');
    expect(costTone(100.1)).toBe('red');
    expect(costTone(null)).toBe('blue');
  });
  it('percent of the estimate max, preferring the API value', () => {
    expect(costPercent(22.18, 55)).toBeCloseTo(40.33, 1);
    expect(costPercent(22.18, 55, 41)).toBe(41);
    expect(costPercent(10, null)).toBeNull();
    expect(costPercent(10, 0)).toBeNull();
  });
});

describe('elapsed time', () => {
  it('ticks forward from the fetched value while running', () => {
    expect(liveElapsedSeconds(100, 1_000, 6_000, true)).toBe(105);
    expect(liveElapsedSeconds(100, 1_000, 6_000, false)).toBe(100);
    expect(liveElapsedSeconds(null, 1_000, 6_000, true)).toBeNull();
    expect(liveElapsedSeconds(100, 6_000, 1_000, true)).toBe(100);
  });
  it('seconds since a timestamp', () => {
    const now = Date.UTC(2026, 0, 1, 0, 1, 0);
    expect(secondsSince('2026-01-01T00:00:00Z', now)).toBe(60);
    expect(secondsSince(null, now)).toBeNull();
  });
});

const stage = (over: Partial<JobStageInfo>): JobStageInfo => ({
  stage: 'training',
  label: 'Training',
  state: 'pending',
  started_at: null,
  finished_at: null,
  duration_seconds: null,
  estimated_seconds: null,
  substatus: '',
  ...over,
});

describe('stage states', () => {
  const now = Date.UTC(2026, 0, 1, 1, 0, 0);
  it('always yields four stages in order', () => {
    const s = normalizeStages([stage({ stage: 'training', state: 'active' })]);
    expect(s.map((x) => x.stage)).toEqual(['preprocessing', 'model_loading', 'training', 'finalization']);
    expect(s.map((x) => x.state)).toEqual(['pending', 'pending', 'active', 'pending']);
    expect(normalizeStages(undefined)).toHaveLength(4);
  });
  it('completed: checkmark and actual duration', () => {
    const v = describeStage(stage({ stage: 'preprocessing', label: 'Preprocessing', state: 'completed', duration_seconds: 222 }), 0, { nowMs: now });
    expect(v).toMatchObject({ icon: '✓', time: '3m 42s', state: 'completed' });
    expect(v.ariaLabel).toBe('Preprocessing: completed, 3m 42s');
  });
  it('active: elapsed since start, estimate and substatus', () => {
    const v = describeStage(stage({ state: 'active', started_at: '2026-01-01T00:00:00Z', estimated_seconds: 7200, substatus: 'Epoch 2/3 · Step 850' }), 2, { nowMs: now });
    expect(v.time).toBe('1h 0m elapsed · ~1h 0m left');
    expect(v.sub).toBe('Epoch 2/3 · Step 850');
    expect(v.icon).toBe('●');
  });
  it('failed: red with the error message', () => {
    const v = describeStage(stage({ state: 'failed', duration_seconds: 30 }), 2, { nowMs: now, errorMessage: 'CUDA out of memory' });
    expect(v).toMatchObject({ icon: '✕', sub: 'CUDA out of memory', time: 'Failed after 30s' });
  });
  it('recovering: yellow restoration message', () => {
    const v = describeStage(stage({ state: 'recovering' }), 2, { nowMs: now });
    expect(v.icon).toBe('↻');
    expect(v.sub).toBe('Recovering from checkpoint…');
  });
  it('pending: estimate only', () => {
    expect(describeStage(stage({ estimated_seconds: 300 }), 3, { nowMs: now })).toMatchObject({ icon: '4', time: '~5m 0s est.', sub: '' });
    expect(describeStage(stage({}), 3, { nowMs: now }).time).toBe('Pending');
    expect(describeStage(stage({ estimated_seconds: 300 }), 3, { nowMs: now, finished: true }).time).toBe('Not run');
  });
  it('describeStages threads the job error into the failed stage', () => {
    const views = describeStages(
      { status: 'failed', error: { category: 'nan_loss', message: 'Loss became NaN', step: 5, is_user_error: true }, stages: [stage({ state: 'failed' })] },
      now,
    );
    expect(views[2].sub).toBe('Loss became NaN');
  });
});

describe('loss chart helpers', () => {
  it('merges incremental points by step, newest wins', () => {
    const merged = mergePoints([pt(1, 2), pt(2, 1.9)], [pt(2, 1.8), pt(3, 1.7)]);
    expect(merged.map((p) => [p.step, p.train_loss])).toEqual([
      [1, 2],
      [2, 1.8],
      [3, 1.7],
    ]);
  });
  it('builds aligned series with gaps for missing validation', () => {
    const s = lossSeries([pt(1, 2), pt(2, 1.9, 2.1), pt(3, null, null)]);
    expect(s.train).toEqual([{ x: 1, y: 2 }, { x: 2, y: 1.9 }]);
    expect(s.val).toEqual([{ x: 1, y: null }, { x: 2, y: 2.1 }]);
    expect(s.hasVal).toBe(true);
  });
  it('formats the tooltip like the spec', () => {
    expect(tooltipText(850, 0.3421, 0.358)).toBe('Step 850: Training Loss 0.342, Validation Loss 0.358');
    expect(tooltipText(1200, 0.3, null)).toBe('Step 1,200: Training Loss 0.300');
    expect(tooltipText(570, 1.05, 1.16, 500)).toBe('Step 570: Training Loss 1.050, Validation Loss 1.160 (step 500)');
    expect(tooltipText(500, 1.05, 1.16, 500)).toBe('Step 500: Training Loss 1.050, Validation Loss 1.160');
  });
  it('finds the last validation point at or before an index', async () => {
    const { lastValAtOrBefore } = await import('./chart');
    const val = [{ x: 1, y: 2 }, { x: 2, y: null }, { x: 3, y: null }];
    expect(lastValAtOrBefore(val, 2)).toEqual({ x: 1, y: 2 });
    expect(lastValAtOrBefore([{ x: 1, y: null }], 0)).toBeNull();
  });
  it('zoom in shows the last 500 steps', () => {
    expect(zoomInWindow([{ x: 0 }, { x: 1000 }, { x: 2000 }])).toEqual({ min: 1500, max: 2000 });
    // a curve shorter than the window: its later half (zooming always narrows the view)
    expect(zoomInWindow([{ x: 10 }, { x: 200 }])).toEqual({ min: 105, max: 200 });
    expect(zoomInWindow([{ x: 5 }, { x: 5 }])).toBeNull();
    expect(zoomInWindow([{ x: 1 }])).toBeNull();
  });
  it('summarises the chart for screen readers', () => {
    expect(chartSummary([])).toBe('Loss curve: no loss values recorded yet.');
    expect(chartSummary([pt(1, 2), pt(2, 1.5, 1.6)])).toBe(
      'Loss curve over 2 logged steps (step 1 to 2). Training loss went from 2.000 to 1.500 at step 2. Latest validation loss 1.600 at step 2.',
    );
  });
});

describe('validation history', () => {
  it('finds the last two validation losses', async () => {
    const { lastValidation } = await import('./trend');
    expect(lastValidation([pt(1, 2, 2.2), pt(2, 1.9), pt(3, 1.8, 2.0), pt(4, 1.7)])).toEqual({
      latest: { step: 3, value: 2.0 },
      previous: { step: 1, value: 2.2 },
    });
    expect(lastValidation([pt(1, 2)])).toEqual({ latest: null, previous: null });
  });
});
