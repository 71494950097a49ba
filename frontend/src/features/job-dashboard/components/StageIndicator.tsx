import type { JobDetail } from '../../../lib/api-types';
import { useNow } from '../../../lib/hooks';
import { describeStages } from '../utils/stages';

export function StageIndicator({ job }: { job: JobDetail }) {
  const ticking = job.status === 'running' || job.status === 'provisioning' || job.status === 'cancelling';
  const now = useNow(1000, ticking);
  const stages = describeStages(job, now);
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
