import type { JobDetail } from '../../../lib/api-types';
import { useNow } from '../../../lib/hooks';
import { describeStages } from '../utils/stages';

/** `fetchedAt`: when `job` was fetched (the active stage's clock advances from there);
 * `stale`: the data could not be refreshed, so the clock stops at the last measurement. */
export function StageIndicator({ job, fetchedAt, stale = false }: { job: JobDetail; fetchedAt?: number; stale?: boolean }) {
  const ticking = !stale && (job.status === 'running' || job.status === 'provisioning' || job.status === 'cancelling');
  const now = useNow(1000, ticking);
  const stages = describeStages(job, now, { fetchedAtMs: fetchedAt, stale });
  return (
    <section className="card" aria-labelledby="stages-title" data-testid="stage-indicator">
      <h2 id="stages-title" className="visually-hidden">
        Training stages
      </h2>
      <ol className="stages">
        {stages.map((s) => (
          <li key={s.key} className={`stage stage--${s.state}`} aria-label={s.ariaLabel} data-testid={`stage-${s.key}`} data-state={s.state} aria-current={s.state === 'active' ? 'step' : undefined}>
            <span className="stage__dot" aria-hidden="true">
              {s.icon}
            </span>
            <span className="stage__text">
              <span className="stage__label">{s.label}</span>
              {s.time ? <span className="stage__time"> {s.time}</span> : null}
              {s.sub ? <span className="stage__sub" role={s.state === 'failed' ? 'alert' : undefined}> {s.sub}</span> : null}
            </span>
          </li>
        ))}
      </ol>
    </section>
  );
}
