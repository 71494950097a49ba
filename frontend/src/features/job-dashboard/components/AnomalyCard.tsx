import type { ChartOptions } from 'chart.js';
import { Line } from 'react-chartjs-2';
import type { JobDetail, JobPause } from '../../../lib/api-types';
import { jobMoney } from '../../../lib/money';
import { formatDateTime, formatLearningRate, formatLoss, formatNumber } from '../../../lib/format';
import './chart-setup';

const BLUE = '#2563eb';
const RED = '#dc2626';

type Anomaly = NonNullable<JobPause['anomaly']>;

/** "Loss ×4.1 at step 1,240; learning rate 5e-4" from the anomaly itself. */
export function anomalyHeadline(a: Anomaly): string {
  const lr = a.learning_rate !== null ? `; learning rate ${formatLearningRate(a.learning_rate)}` : '';
  if (a.kind === 'loss_spike' && a.ratio !== null) return `Loss ×${a.ratio.toFixed(1)} at step ${formatNumber(a.step)}${lr}`;
  return `Loss became NaN/inf at step ${formatNumber(a.step)}${lr}`;
}

/** The logged losses around the anomaly; the anomalous point in red (a NaN shows as a gap). */
function AnomalyCurve({ anomaly }: { anomaly: Anomaly }) {
  const points = anomaly.curve.map((p) => ({ x: p.step, y: p.train_loss }));
  const options: ChartOptions<'line'> = {
    responsive: true,
    maintainAspectRatio: false,
    animation: false,
    plugins: { legend: { display: false }, tooltip: { enabled: true } },
    scales: {
      x: { type: 'linear', title: { display: true, text: 'Step' }, ticks: { precision: 0 } },
      y: { type: 'linear', title: { display: true, text: 'Train loss' } },
    },
  };
  const summary = `Train loss at steps ${anomaly.curve.map((p) => `${p.step}: ${formatLoss(p.train_loss)}`).join(', ')}`;
  return (
    <div style={{ height: 160 }} role="img" aria-label={summary} data-testid="anomaly-curve">
      <Line
        options={options}
        data={{
          datasets: [
            {
              label: 'Train loss',
              data: points,
              borderColor: BLUE,
              pointBackgroundColor: points.map((p) => (p.x === anomaly.step ? RED : BLUE)),
              pointRadius: points.map((p) => (p.x === anomaly.step ? 6 : 3)),
              spanGaps: false,
            },
          ],
        }}
      />
    </div>
  );
}

interface Props {
  pause: JobPause;
  /** The job's cost: its amounts pick the page's one money format. */
  cost: JobDetail['cost'];
  canResume: boolean;
  onResumeWithSuggestion: () => void;
  onResume: () => void;
}

/** An anomaly auto-pause: its cause, the curve around it, and the suggested fix to resume with. */
export function AnomalyCard({ pause, cost, canResume, onResumeWithSuggestion, onResume }: Props) {
  const a = pause.anomaly!;
  const suggestion = a.suggestion;
  return (
    <section className="card info-card info-card--orange stack-sm" data-testid="anomaly-card">
      <div className="info-card__title">⚠ Training auto-paused: anomaly detected</div>
      <div className="info-card__body">
        <p style={{ margin: 0 }} data-testid="anomaly-cause">
          <strong>{anomalyHeadline(a)}</strong>
          {a.kind === 'loss_spike' && a.baseline !== null
            ? ` — ${formatLoss(a.loss)} against a mean of ${formatLoss(a.baseline)} over the previous ${a.curve.length - 1} logged steps.`
            : ' — the run stopped before saving anything past it.'}
        </p>
        <p style={{ margin: 0 }} className="small">
          Paused {formatDateTime(pause.paused_at)} at the last good checkpoint (step {formatNumber(pause.step ?? 0)}); spend so far{' '}
          {jobMoney(cost).money(pause.spend)}. Nothing is billed while paused.
        </p>
        <AnomalyCurve anomaly={a} />
        {suggestion ? (
          <p style={{ margin: 0 }} data-testid="anomaly-suggestion">
            Suggested fix: {suggestion.text}.
          </p>
        ) : null}
        {canResume ? (
          <div className="row" style={{ gap: 8 }}>
            {suggestion ? (
              <button type="button" className="btn btn--primary" onClick={onResumeWithSuggestion} data-testid="resume-with-suggestion">
                Resume with suggestion
              </button>
            ) : null}
            <button type="button" className="btn btn--secondary" onClick={onResume}>
              Resume unchanged…
            </button>
          </div>
        ) : null}
      </div>
    </section>
  );
}
