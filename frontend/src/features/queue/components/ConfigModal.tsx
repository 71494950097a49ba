import { Modal } from '../../../components/Modal';
import { SkeletonLines } from '../../../components/Skeleton';
import { ErrorState } from '../../../components/States';
import type { JobListItem } from '../../../lib/api-types';
import { formatCurrencyRange, formatDuration, formatNumber } from '../../../lib/format';
import { PRESET_LABELS, PRICING_LABELS } from '../../../lib/status';
import { useJob } from '../../../api/get-job';
import { ConfigList } from '../../../components/ConfigList';

export function ConfigModal({ job, onClose }: { job: JobListItem; onClose: () => void }) {
  const detail = useJob(job.id, { poll: false });
  const d = detail.data;
  return (
    <Modal title={`Configuration · ${job.name}`} onClose={onClose} testId="config-modal" footer={<button type="button" className="btn btn--secondary" onClick={onClose}>Close</button>}>
      <p className="muted">Read-only. Queued jobs cannot be edited — remove the job and create a new one to change it.</p>
      <dl className="kv">
        <dt>Base model</dt>
        <dd>{job.base_model}</dd>
        <dt>Preset</dt>
        <dd>{PRESET_LABELS[job.preset] ?? job.preset}</dd>
        <dt>GPU</dt>
        <dd>
          {job.gpu_type.name} ({PRICING_LABELS[job.pricing] ?? job.pricing})
        </dd>
        {d?.dataset ? (
          <>
            <dt>Dataset</dt>
            <dd>
              {d.dataset.name} · {formatNumber(d.dataset.num_examples)} examples
            </dd>
          </>
        ) : null}
        {d?.estimate ? (
          <>
            <dt>Estimate</dt>
            <dd>
              {formatDuration(d.estimate.duration_seconds)} · {formatCurrencyRange(d.estimate.cost_min, d.estimate.cost_max)} · {formatNumber(d.estimate.total_steps)} steps
            </dd>
          </>
        ) : null}
      </dl>
      <h3 className="subhead">Hyperparameters</h3>
      {detail.isPending ? (
        <SkeletonLines lines={4} />
      ) : detail.isError ? (
        <ErrorState error={detail.error} onRetry={() => detail.refetch()} />
      ) : (
        <ConfigList values={d?.hyperparameters ?? {}} testId="config-hyperparameters" />
      )}
    </Modal>
  );
}
