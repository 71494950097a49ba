import type { JobDetail, JobStageInfo, StageState } from '../../../lib/api-types';
import { formatDuration } from '../../../lib/format';
import { STAGE_LABELS, STAGE_ORDER } from '../../../lib/status';
import { secondsSince } from './elapsed';

/** A stage's drawn state: the API's, or "stopped" for the stage a cancel interrupted. */
export type StageViewState = StageState | 'stopped';

export interface StageView {
  key: JobStageInfo['stage'];
  label: string;
  state: StageViewState;
  icon: string;
  time: string;
  sub: string;
  ariaLabel: string;
}

const STATE_WORDS: Record<StageViewState, string> = {
  stopped: 'stopped by cancel',
  pending: 'pending',
  active: 'in progress',
  completed: 'completed',
  failed: 'failed',
  recovering: 'recovering',
};

/** Always four stages in order, filling in any the API did not send as pending. */
export function normalizeStages(stages: JobStageInfo[] | null | undefined): JobStageInfo[] {
  return STAGE_ORDER.map(
    (key) =>
      stages?.find((s) => s.stage === key) ?? {
        stage: key,
        label: STAGE_LABELS[key],
        state: 'pending',
        started_at: null,
        finished_at: null,
        duration_seconds: null,
        estimated_seconds: null,
        substatus: '',
      },
  );
}

export interface DescribeOpts {
  nowMs: number;
  errorMessage?: string | null;
  /** The job still runs and the data is fresh: the active stage's clock advances. */
  ticking?: boolean;
  /** The job is completed, failed or cancelled. */
  finished?: boolean;
  /** When the data was fetched: the active stage's elapsed time is the server's measurement
   * advanced by the time since (no dependence on the browser's clock agreeing with the server's). */
  fetchedAtMs?: number;
  /** How the job ended: the stage that was running when it ended is drawn with that outcome. */
  outcome?: 'completed' | 'failed' | 'cancelled' | null;
  /** When the job ended: caps an interrupted stage's duration. */
  finishedAt?: string | null;
  /** The job is paused: the stage it stopped in waits for the resume. */
  paused?: boolean;
}

/** Seconds the active stage has run at `nowMs`: the server's duration advanced by the time since
 * the fetch (or since its start, without a fetch time); frozen when not ticking. */
export function activeStageSeconds(stage: JobStageInfo, opts: Pick<DescribeOpts, 'nowMs' | 'ticking' | 'fetchedAtMs'>): number | null {
  const base = stage.duration_seconds;
  if (opts.ticking === false) return base ?? null;
  if (opts.fetchedAtMs && base !== null && base !== undefined) return base + Math.max(0, (opts.nowMs - opts.fetchedAtMs) / 1000);
  return secondsSince(stage.started_at, opts.nowMs) ?? base ?? null;
}

/** "~4m 10s left" from the stage's current (server-refreshed) estimate, or the overrun. */
export function stageLeftText(estimated: number | null | undefined, elapsed: number | null): string {
  if (!estimated) return '';
  if (elapsed === null) return `~${formatDuration(estimated)} est.`;
  const left = estimated - elapsed;
  if (left < 1) return `over the ~${formatDuration(estimated)} estimate`;
  return `~${formatDuration(left)} left`;
}

function interruptedSeconds(stage: JobStageInfo, finishedAt: string | null | undefined): number | null {
  if (stage.started_at && finishedAt) {
    const s = (new Date(finishedAt).getTime() - new Date(stage.started_at).getTime()) / 1000;
    if (Number.isFinite(s)) return Math.max(0, s);
  }
  return stage.duration_seconds;
}

export function describeStage(stage: JobStageInfo, index: number, opts: DescribeOpts): StageView {
  const label = stage.label || STAGE_LABELS[stage.stage];
  let icon = String(index + 1);
  let time = '';
  let sub = stage.substatus || '';
  let state: StageViewState = stage.state;
  // A finished job has no running stage: the one it was in when it ended shows how it ended.
  if (opts.finished && (stage.state === 'active' || stage.state === 'recovering')) {
    const ran = interruptedSeconds(stage, opts.finishedAt);
    if (opts.outcome === 'cancelled') {
      state = 'stopped';
      icon = '⊘';
      time = ran !== null ? `Stopped after ${formatDuration(ran)}` : 'Stopped';
      sub = 'Cancelled';
    } else if (opts.outcome === 'failed') {
      state = 'failed';
      icon = '✕';
      time = ran !== null ? `Failed after ${formatDuration(ran)}` : 'Failed';
      sub = opts.errorMessage || sub || 'This stage failed';
    } else {
      state = 'completed';
      icon = '✓';
      time = ran !== null ? formatDuration(ran) : 'Done';
    }
    const ariaLabel = [`${label}: ${STATE_WORDS[state]}`, time, sub].filter(Boolean).join(', ');
    return { key: stage.stage, label, state, icon, time, sub, ariaLabel };
  }
  switch (stage.state) {
    case 'completed':
      icon = '✓';
      time = stage.duration_seconds !== null ? formatDuration(stage.duration_seconds) : 'Done';
      break;
    case 'active': {
      icon = '●';
      const running = activeStageSeconds(stage, opts);
      time = running !== null ? `${formatDuration(running)} elapsed` : 'In progress';
      const left = stageLeftText(stage.estimated_seconds, running);
      if (left) time += ` · ${left}`;
      if (opts.paused) {
        // The stage stopped at a checkpoint and goes on when the job is resumed.
        icon = '‖';
        time = 'Paused';
      }
      break;
    }
    case 'failed':
      icon = '✕';
      time = stage.duration_seconds !== null ? `Failed after ${formatDuration(stage.duration_seconds)}` : 'Failed';
      sub = opts.errorMessage || sub || 'This stage failed';
      break;
    case 'recovering':
      icon = '↻';
      time = 'Recovering';
      sub = 'Recovering from checkpoint…' + (stage.substatus ? ` ${stage.substatus}` : '');
      break;
    default:
      if (opts.finished) time = 'Not run';
      else time = stage.estimated_seconds ? `~${formatDuration(stage.estimated_seconds)} est.` : 'Pending';
      sub = '';
  }
  // The stage a paused job stopped in is not "in progress": say paused to screen readers too.
  const word = opts.paused && stage.state === 'active' ? 'paused' : STATE_WORDS[state];
  const ariaLabel = [`${label}: ${word}`, time, sub].filter(Boolean).join(', ');
  return { key: stage.stage, label, state, icon, time, sub, ariaLabel };
}

export function describeStages(
  job: Pick<JobDetail, 'stages' | 'error' | 'status'> & { finished_at?: string | null },
  nowMs: number,
  { fetchedAtMs, stale = false }: { fetchedAtMs?: number; stale?: boolean } = {},
): StageView[] {
  const ticking = !stale && (job.status === 'running' || job.status === 'provisioning' || job.status === 'cancelling');
  const finished = job.status === 'completed' || job.status === 'failed' || job.status === 'cancelled';
  const outcome = finished ? (job.status as 'completed' | 'failed' | 'cancelled') : null;
  return normalizeStages(job.stages).map((s, i) =>
    describeStage(s, i, { nowMs, errorMessage: job.error?.message, ticking, finished, fetchedAtMs, outcome, finishedAt: job.finished_at, paused: job.status === 'paused' }),
  );
}
