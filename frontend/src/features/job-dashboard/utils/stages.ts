import type { JobDetail, JobStageInfo, StageState } from '../../../lib/api-types';
import { formatDuration } from '../../../lib/format';
import { STAGE_LABELS, STAGE_ORDER } from '../../../lib/status';
import { secondsSince } from './elapsed';

export interface StageView {
  key: JobStageInfo['stage'];
  label: string;
  state: StageState;
  icon: string;
  time: string;
  sub: string;
  ariaLabel: string;
}

const STATE_WORDS: Record<StageState, string> = {
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

export function describeStage(
  stage: JobStageInfo,
  index: number,
  opts: { nowMs: number; errorMessage?: string | null; ticking?: boolean; finished?: boolean; paused?: boolean },
): StageView {
  const label = stage.label || STAGE_LABELS[stage.stage];
  let icon = String(index + 1);
  let time = '';
  let sub = stage.substatus || '';
  switch (stage.state) {
    case 'completed':
      icon = '✓';
      time = stage.duration_seconds !== null ? formatDuration(stage.duration_seconds) : 'Done';
      break;
    case 'active': {
      icon = '●';
      const running = opts.ticking === false ? stage.duration_seconds : (secondsSince(stage.started_at, opts.nowMs) ?? stage.duration_seconds);
      time = running !== null && running !== undefined ? `${formatDuration(running)} elapsed` : 'In progress';
      if (stage.estimated_seconds) time += ` · ~${formatDuration(stage.estimated_seconds)} est.`;
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
  const ariaLabel = [`${label}: ${STATE_WORDS[stage.state]}`, time, sub].filter(Boolean).join(', ');
  return { key: stage.stage, label, state: stage.state, icon, time, sub, ariaLabel };
}

export function describeStages(job: Pick<JobDetail, 'stages' | 'error' | 'status'>, nowMs: number): StageView[] {
  const ticking = job.status === 'running' || job.status === 'provisioning' || job.status === 'cancelling';
  const finished = job.status === 'completed' || job.status === 'failed' || job.status === 'cancelled';
  const paused = job.status === 'paused';
  return normalizeStages(job.stages).map((s, i) => describeStage(s, i, { nowMs, errorMessage: job.error?.message, ticking, finished, paused }));
}
