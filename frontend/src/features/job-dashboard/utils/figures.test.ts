import { describe, expect, it } from 'vitest';
import type { JobStageInfo, MetricPoint } from '../../../lib/api-types';
import { backoffInterval, failingForMs, MAX_BACKOFF_MS } from '../../../lib/polling';
import { emaSmooth, metricSeries, xAxisMax } from './chart';
import { connectionState, liveRemainingSeconds, updatedAgoText } from './figures';
import { formatMoney, formatMoneyRange, jobMoney, moneyDigits } from '../../../lib/money';
import { describeStage, describeStages } from './stages';

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

describe('stage figures come from the latest measured state', () => {
  const fetchedAt = Date.UTC(2026, 0, 1, 0, 10, 0);
  // The server measured 113 s of training and refreshed the stage estimate to 1011 s
  // (113 s spent + 898 s left at the measured step rate) at fetch time.
  const training = stage({ state: 'active', started_at: '2026-01-01T00:08:07Z', duration_seconds: 113, estimated_seconds: 1011 });

  it('the active stage counts up from the measurement and down to the refreshed estimate', () => {
    const at = (s: number) => describeStage(training, 2, { nowMs: fetchedAt + s * 1000, fetchedAtMs: fetchedAt, ticking: true }).time;
    expect(at(0)).toBe('1m 53s elapsed · ~14m 58s left');
    expect(at(60)).toBe('2m 53s elapsed · ~13m 58s left');
  });
  it('stale data (offline, failing) freezes the stage clock at the last measurement', () => {
    const v = describeStage(training, 2, { nowMs: fetchedAt + 600_000, fetchedAtMs: fetchedAt, ticking: false });
    expect(v.time).toBe('1m 53s elapsed · ~14m 58s left');
  });
  it('says so when the stage runs past its estimate instead of a negative time', () => {
    const v = describeStage(stage({ state: 'active', duration_seconds: 400, estimated_seconds: 300 }), 0, { nowMs: fetchedAt, fetchedAtMs: fetchedAt, ticking: true });
    expect(v.time).toBe('6m 40s elapsed · over the ~5m 0s estimate');
  });
  it('agrees with Remaining: training left + finalization = the job remaining, both counting down', () => {
    const remainingAtFetch = 898 + 5; // server: training left + finalization estimate
    const now = fetchedAt + 30_000;
    expect(liveRemainingSeconds(remainingAtFetch, fetchedAt, now, true)).toBe(873);
    const left = describeStage(training, 2, { nowMs: now, fetchedAtMs: fetchedAt, ticking: true }).time;
    expect(left).toContain('~14m 28s left'); // 868 s = 873 − 5 s of finalization
    expect(liveRemainingSeconds(10, fetchedAt, fetchedAt + 60_000, true)).toBe(0);
    expect(liveRemainingSeconds(10, fetchedAt, fetchedAt + 60_000, false)).toBe(10);
    expect(liveRemainingSeconds(null, fetchedAt, fetchedAt, true)).toBeNull();
  });

  it('a cancelled job draws the interrupted stage as stopped, capped at the finish time', () => {
    const views = describeStages(
      {
        status: 'cancelled',
        error: null,
        finished_at: '2026-01-01T00:10:00Z',
        stages: [
          stage({ stage: 'preprocessing', state: 'completed', duration_seconds: 20 }),
          stage({ stage: 'model_loading', state: 'completed', duration_seconds: 30 }),
          stage({ state: 'active', started_at: '2026-01-01T00:08:07Z', duration_seconds: 9999, estimated_seconds: 1011 }),
          stage({ stage: 'finalization', estimated_seconds: 5 }),
        ],
      },
      Date.UTC(2026, 0, 2),
    );
    expect(views.map((v) => v.state)).toEqual(['completed', 'completed', 'stopped', 'pending']);
    expect(views[2]).toMatchObject({ icon: '⊘', time: 'Stopped after 1m 53s', sub: 'Cancelled' });
    expect(views[2].ariaLabel).toBe('Training: stopped by cancel, Stopped after 1m 53s, Cancelled');
    expect(views[3].time).toBe('Not run');
    expect(views.some((v) => v.state === 'active')).toBe(false);
  });
  it('a failed job draws the stage it was in as failed with the error', () => {
    const views = describeStages(
      { status: 'failed', error: { category: 'worker_lost', message: 'Worker lost', step: 3, is_user_error: false }, finished_at: null, stages: [stage({ state: 'active', duration_seconds: 42 })] },
      0,
    );
    expect(views[2]).toMatchObject({ state: 'failed', icon: '✕', time: 'Failed after 42s', sub: 'Worker lost' });
  });
});

describe('freshness', () => {
  it('says how old the data is', () => {
    const t = 1_000_000;
    expect(updatedAgoText(t, t + 2000)).toBe('Updated just now');
    expect(updatedAgoText(t, t + 12_000)).toBe('Updated 12 s ago');
    expect(updatedAgoText(t, t + 185_000)).toBe('Updated 3 min ago');
    expect(updatedAgoText(t, t + 2 * 3600_000 + 5)).toBe('Updated 2 h ago');
    expect(updatedAgoText(0, t)).toBe('Not loaded yet');
  });
  it('offline beats failing beats live', () => {
    expect(connectionState({ online: false, failing: true })).toBe('offline');
    expect(connectionState({ online: true, failing: true })).toBe('failing');
    expect(connectionState({ online: true, failing: false })).toBe('live');
  });
  it('polling backs off while refreshes fail: doubling waits, capped at 5 min', () => {
    expect(backoffInterval(60_000, 0)).toBe(60_000);
    expect(backoffInterval(60_000, 10_000)).toBe(60_000);
    expect(backoffInterval(60_000, 120_000)).toBe(120_000);
    expect(backoffInterval(60_000, 3_600_000)).toBe(MAX_BACKOFF_MS);
    expect(failingForMs({ dataUpdatedAt: 1000, errorUpdatedAt: 500 }, 9000)).toBe(0); // last fetch worked
    expect(failingForMs({ dataUpdatedAt: 1000, errorUpdatedAt: 0 }, 9000)).toBe(0);
    expect(failingForMs({ dataUpdatedAt: 1000, errorUpdatedAt: 5000 }, 9000)).toBe(8000);
  });
});

describe('one money format per job', () => {
  it('a CPU run keeps 4 decimals everywhere; a GPU run cents everywhere', () => {
    const cpu = jobMoney({ current_spend: 0.0005, hourly_rate: 0.05, estimate_min: 0.02, estimate_max: 0.03, projected_final: 0.0281 });
    expect(cpu.digits).toBe(4);
    expect([cpu.money(0.0005), cpu.money(0.03), cpu.rate(0.05)]).toEqual(['$0.0005', '$0.0300', '$0.0500/hr']);
    expect(cpu.range(0.02, 0.03)).toBe('$0.0200–0.0300');
    const gpu = jobMoney({ current_spend: 0.0005, hourly_rate: 2.49, estimate_min: 45, estimate_max: 55 });
    expect([gpu.money(0.0005), gpu.money(22.183), gpu.range(45, 55)]).toEqual(['$0.00', '$22.18', '$45.00–55.00']);
  });
  it('handles missing amounts', () => {
    expect(moneyDigits([null, undefined, 0])).toBe(4);
    expect(formatMoney(null, 2)).toBe('—');
    expect(formatMoneyRange(1, null, 2)).toBe('—');
    expect(formatMoneyRange(3, 3, 2)).toBe('$3.00');
  });
});

const pt = (step: number, over: Partial<MetricPoint> = {}): MetricPoint => ({
  step,
  epoch: 1,
  train_loss: null,
  val_loss: null,
  learning_rate: null,
  grad_norm: null,
  tokens_per_second: null,
  gpu_utilization: null,
  gpu_memory_mb: null,
  recorded_at: null,
  ...over,
});

describe('chart figures', () => {
  it('the step axis ends at the current step; the planned range on request', () => {
    expect(xAxisMax({ currentStep: 60, lastStep: 50, totalSteps: 1000, planned: false })).toBe(60);
    expect(xAxisMax({ currentStep: 60, lastStep: 50, totalSteps: 1000, planned: true })).toBe(1000);
    expect(xAxisMax({ currentStep: 0, lastStep: null, totalSteps: 1000, planned: false })).toBeUndefined();
    // A planned length shorter than what ran (a resumed or re-planned job) never cuts the curve.
    expect(xAxisMax({ currentStep: 1200, lastStep: 1200, totalSteps: 1000, planned: true })).toBe(1200);
  });
  it('smoothing is a bias-corrected EMA that keeps gaps', () => {
    const raw = [
      { x: 1, y: 4 },
      { x: 2, y: null },
      { x: 3, y: 2 },
    ];
    expect(emaSmooth(raw, 0)).toBe(raw);
    const s = emaSmooth(raw, 0.5);
    expect(s[0].y).toBeCloseTo(4); // the first value is not pulled towards 0
    expect(s[1].y).toBeNull();
    expect(s[2].y).toBeCloseTo((0.5 * 0.5 * 4 + 0.5 * 2) / (1 - 0.25)); // 2.667
  });
  it('a metric series leaves out steps where it was not measured (never zero)', () => {
    const points = [pt(0, { val_loss: 2 }), pt(5, { learning_rate: 1e-4, gpu_utilization: 80 }), pt(10, { learning_rate: 2e-4 })];
    expect(metricSeries(points, 'learning_rate')).toEqual([
      { x: 5, y: 1e-4 },
      { x: 10, y: 2e-4 },
    ]);
    expect(metricSeries(points, 'gpu_memory_mb')).toEqual([]);
  });
});
