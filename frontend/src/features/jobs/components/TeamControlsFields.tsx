import type { BudgetAction, JobCreateBody, PersonSpend, Priority, SpendFigures } from '../../../lib/api-types';
import { Field } from '../../../components/Field';
import { fieldError } from '../utils/job-form';
import { useSpend } from '../api/get-spend';

/** The create form's team controls: queue priority, the job's own budget cap and the
 *  money-aware early stop, with the person's quotas and monthly budget beside them. */
export interface TeamControlsValue {
  priority: Priority;
  capOn: boolean;
  cap: string;
  capAction: BudgetAction;
  earlyStopOn: boolean;
  earlyStopThreshold: string;
}

export const EMPTY_TEAM_CONTROLS: TeamControlsValue = {
  priority: 'normal',
  capOn: false,
  cap: '',
  capAction: 'pause',
  earlyStopOn: false,
  earlyStopThreshold: '1',
};

const PRIORITIES: { key: Priority; label: string }[] = [
  { key: 'low', label: 'Low' },
  { key: 'normal', label: 'Normal' },
  { key: 'high', label: 'High' },
];

/** Client-side problems with the values (the API checks the same again). */
export function teamControlsErrors(v: TeamControlsValue): Record<string, string> {
  const errors: Record<string, string> = {};
  if (v.capOn) {
    const n = Number(v.cap);
    if (!v.cap.trim() || !Number.isFinite(n) || n < 0.01) errors.budget_cap = 'Enter an amount of at least $0.01';
  }
  if (v.earlyStopOn) {
    const n = Number(v.earlyStopThreshold);
    if (!Number.isFinite(n) || n <= 0) errors.early_stop = 'Enter a threshold above 0';
  }
  return errors;
}

/** Merges the team controls into a create body (left as is when the values are invalid). */
export function withTeamControls(body: JobCreateBody, v: TeamControlsValue): JobCreateBody {
  const out: JobCreateBody = { ...body, priority: v.priority };
  if (v.capOn && v.cap.trim()) {
    out.budget_cap = Number(v.cap).toFixed(2);
    out.budget_action = v.capAction;
  }
  if (v.earlyStopOn) {
    out.hyperparameters = { ...(body.hyperparameters ?? {}), early_stop_gain_per_dollar: Number(v.earlyStopThreshold) };
  }
  return out;
}

const money = (n: number | null | undefined) => (n === null || n === undefined ? '—' : `$${n.toFixed(2)}`);

function limitText(count: number, limit: number | null | undefined, what: string): string {
  return limit === null || limit === undefined ? `${count} ${what}` : `${count} of ${limit} ${what}`;
}

function budgetText(f: SpendFigures): string {
  if (f.budget === null || f.budget === undefined) return `${money(f.spent)} spent this month (no budget)`;
  return `${money(f.remaining)} left of ${money(f.budget)} this month (${money(f.spent)} spent, ${money(f.committed)} committed)`;
}

export function QuotaSummary({ me, team }: { me: PersonSpend; team: SpendFigures }) {
  return (
    <ul className="small muted stack-sm" data-testid="quota-summary" aria-label="Your quotas and budget">
      <li>
        You: {limitText(me.running, me.max_running, 'running')} · {limitText(me.queued, me.max_queued, 'queued')}
      </li>
      <li>Your budget: {budgetText(me.month)}</li>
      <li>Team budget: {budgetText(team)}</li>
    </ul>
  );
}

export function TeamControlsFields({
  value,
  onChange,
  apiFields,
  showErrors,
}: {
  value: TeamControlsValue;
  onChange: (v: TeamControlsValue) => void;
  apiFields: Record<string, string[]> | undefined;
  showErrors: boolean;
}) {
  const spend = useSpend();
  const set = <K extends keyof TeamControlsValue>(k: K, v: TeamControlsValue[K]) => onChange({ ...value, [k]: v });
  const mayHigh = spend.data?.me.allow_high_priority ?? false;
  const errors = showErrors ? teamControlsErrors(value) : {};
  const priorityError = fieldError(apiFields, 'priority');

  return (
    <section className="card stack" data-testid="team-controls">
      <h2 className="card__title">4. Priority & budget</h2>
      <div className="field">
        <span className="field__label" id="priority-label">
          Priority
        </span>
        <div className="segmented" role="group" aria-labelledby="priority-label" data-testid="priority-control">
          {PRIORITIES.map((p) => (
            <button
              key={p.key}
              type="button"
              aria-pressed={value.priority === p.key}
              disabled={p.key === 'high' && !mayHigh}
              title={p.key === 'high' && !mayHigh ? 'High priority is for managers and people their quota allows it' : undefined}
              onClick={() => set('priority', p.key)}
            >
              {p.label}
            </button>
          ))}
        </div>
        <span className="field__hint">
          {value.priority === 'low'
            ? 'Starts after normal and high jobs queued around the same time; later jobs can pass it only for a bounded time, shown in its start estimate.'
            : value.priority === 'high'
              ? 'Starts before normal and low jobs queued around the same time.'
              : 'First come, first served among normal jobs.'}
          {!mayHigh && spend.data ? ' High priority: managers, or ask an admin for the allowance.' : ''}
        </span>
        {priorityError ? <span className="field__error">{priorityError}</span> : null}
      </div>

      <div className="field">
        <label className="checkbox">
          <input type="checkbox" checked={value.capOn} onChange={(e) => set('capOn', e.target.checked)} data-testid="budget-cap-toggle" /> Stop at a budget
        </label>
        {value.capOn ? (
          <div className="form-grid">
            <Field label="Budget cap ($)" error={errors.budget_cap ?? fieldError(apiFields, 'budget_cap')}>
              {(p) => <input {...p} className="input" type="number" min="0.01" step="0.01" inputMode="decimal" value={value.cap} onChange={(e) => set('cap', e.target.value)} data-testid="budget-cap" />}
            </Field>
            <div className="field">
              <span className="field__label" id="cap-action-label">
                At the cap
              </span>
              <div className="segmented" role="group" aria-labelledby="cap-action-label">
                {(['pause', 'stop'] as BudgetAction[]).map((a) => (
                  <button key={a} type="button" aria-pressed={value.capAction === a} onClick={() => set('capAction', a)}>
                    {a === 'pause' ? 'Pause (resumable)' : 'Stop'}
                  </button>
                ))}
              </div>
              <span className="field__hint">Either way it saves a checkpoint first.</span>
            </div>
          </div>
        ) : null}
      </div>

      <div className="field">
        <label className="checkbox">
          <input type="checkbox" checked={value.earlyStopOn} onChange={(e) => set('earlyStopOn', e.target.checked)} data-testid="early-stop-toggle" /> Stop early when it no longer pays
        </label>
        {value.earlyStopOn ? (
          <Field
            label="Minimum gain (% of val loss per $)"
            error={errors.early_stop ?? fieldError(apiFields, 'hyperparameters.early_stop_gain_per_dollar')}
            hint="From the validation curve the worker projects what the remaining steps would still improve and what they cost; below this it stops and keeps the best checkpoint as the adapter."
          >
            {(p) => <input {...p} className="input" type="number" min="0" step="any" value={value.earlyStopThreshold} onChange={(e) => set('earlyStopThreshold', e.target.value)} data-testid="early-stop-threshold" />}
          </Field>
        ) : null}
      </div>

      {spend.data ? <QuotaSummary me={spend.data.me} team={spend.data.team} /> : null}
    </section>
  );
}
