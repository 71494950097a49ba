import type { JobDetail } from '../../../lib/api-types';
import { formatDateTime, formatNumber } from '../../../lib/format';
import { PRESET_LABELS, PRICING_LABELS, humanize } from '../../../lib/status';
import { ConfigList } from '../../../components/ConfigList';

export function JobDetails({ job }: { job: JobDetail }) {
  return (
    <div className="stack-sm" data-testid="job-details">
      <dl className="kv">
        <dt>Base model</dt>
        <dd>{job.base_model}</dd>
        <dt>Dataset</dt>
        <dd>{job.dataset ? `${job.dataset.name} · ${formatNumber(job.dataset.num_examples)} examples` : '—'}</dd>
        <dt>Preset</dt>
        <dd>{PRESET_LABELS[job.preset] ?? job.preset}</dd>
        <dt>GPU</dt>
        <dd>
          {job.gpu_type.name} ({PRICING_LABELS[job.pricing] ?? job.pricing})
        </dd>
        <dt>Created</dt>
        <dd>
          {formatDateTime(job.created_at)} by {job.created_by.display_name || job.created_by.username}
        </dd>
        {job.started_at ? (
          <>
            <dt>Started</dt>
            <dd>{formatDateTime(job.started_at)}</dd>
          </>
        ) : null}
        {job.finished_at ? (
          <>
            <dt>Finished</dt>
            <dd>{formatDateTime(job.finished_at)}</dd>
          </>
        ) : null}
        <dt>Attempt</dt>
        <dd>
          {job.attempt || 1} · {formatNumber(job.checkpoint_count)} checkpoint{job.checkpoint_count === 1 ? '' : 's'}
        </dd>
        {Object.entries(job.metadata ?? {}).map(([k, v]) => (
          <div key={k} style={{ display: 'contents' }}>
            <dt>{humanize(k)}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
      {Object.keys(job.hyperparameters ?? {}).length ? (
        <>
          <h3 className="subhead">Hyperparameters</h3>
          <ConfigList values={job.hyperparameters} />
        </>
      ) : null}
    </div>
  );
}
