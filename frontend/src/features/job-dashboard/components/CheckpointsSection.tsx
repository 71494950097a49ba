import { Section } from '../../../components/Section';
import { Spinner } from '../../../components/Spinner';
import { ErrorState } from '../../../components/States';
import type { Checkpoint, JobDetail } from '../../../lib/api-types';
import { formatBytes, formatDayTime, formatLoss, formatNumber } from '../../../lib/format';
import { useCheckpoints } from '../api/get-checkpoints';

/** Stopped before the end: the checkpoints are all the training there is to keep. */
const PARTIAL = new Set(['cancelled', 'failed', 'paused']);

function metric(c: Checkpoint, key: string): number | null {
  const v = (c.metrics as Record<string, unknown> | null)?.[key];
  return typeof v === 'number' ? v : null;
}

/** The job's checkpoints with their step and losses; each downloads as the resumable file or
 *  as the LoRA adapter inside it. A cancelled, failed or paused job offers its latest adapter. */
export function CheckpointsSection({ job }: { job: JobDetail }) {
  const enabled = job.checkpoint_count > 0;
  const q = useCheckpoints(job.id, enabled, job.checkpoint_count);
  if (!enabled) return null;
  const rows = q.data ?? [];
  const latest = rows.length ? rows.reduce((a, b) => (b.step > a.step ? b : a)) : null;
  return (
    <Section title={`Checkpoints (${formatNumber(job.checkpoint_count)})`} testId="checkpoints-section">
      {q.isPending ? (
        <div className="chart-empty" role="status" aria-label="Loading checkpoints">
          <Spinner label="Loading checkpoints" size={20} />
        </div>
      ) : q.isError && !q.data ? (
        <ErrorState title="Could not load checkpoints" error={q.error} onRetry={() => q.refetch()} retrying={q.isFetching} />
      ) : (
        <div className="stack-sm">
          {latest && PARTIAL.has(job.status) ? (
            <div className="row" data-testid="partial-adapter">
              <a className="btn btn--primary btn--sm" href={latest.adapter_download_url} download data-testid="latest-adapter-download">
                ⤓ Download adapter at step {formatNumber(latest.step)}
              </a>
              <span className="small muted">
                The job {job.status === 'paused' ? 'is paused' : `was ${job.status}`}: this is the LoRA adapter of its latest checkpoint
                {metric(latest, 'val_loss') !== null ? ` (val loss ${formatLoss(metric(latest, 'val_loss'))})` : ''}.
              </span>
            </div>
          ) : null}
          <div className="table-wrap">
            <table className="table" data-testid="checkpoints-table">
              <thead>
                <tr>
                  <th scope="col">Step</th>
                  <th scope="col" className="num">Train loss</th>
                  <th scope="col" className="num">Val loss</th>
                  <th scope="col" className="hide-sm">Saved</th>
                  <th scope="col" className="num hide-sm">Size</th>
                  <th scope="col">Download</th>
                </tr>
              </thead>
              <tbody>
                {[...rows].sort((a, b) => b.step - a.step).map((c) => (
                  <tr key={c.id} data-testid="checkpoint-row" data-step={c.step}>
                    <td>{formatNumber(c.step)}</td>
                    <td className="num">{formatLoss(metric(c, 'train_loss'))}</td>
                    <td className="num">{formatLoss(metric(c, 'val_loss'))}</td>
                    <td className="hide-sm nowrap">{formatDayTime(c.created_at)}</td>
                    <td className="num hide-sm nowrap">{formatBytes(c.size_bytes)}</td>
                    <td className="nowrap">
                      <a href={c.adapter_download_url} download data-testid="checkpoint-adapter-download">
                        Adapter
                      </a>
                      {' · '}
                      <a href={c.download_url} download data-testid="checkpoint-download">
                        Checkpoint
                      </a>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      )}
    </Section>
  );
}
