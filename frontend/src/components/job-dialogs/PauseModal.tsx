import { useRef } from 'react';
import { Modal } from '../Modal';
import type { JobDetail } from '../../lib/api-types';
import { formatNumber } from '../../lib/format';
import { DialogError, DialogFooter } from './DialogFooter';
import { JobStateSummary } from './JobStateSummary';

/** The Pause buttons' orange (the job page's Pause Job, this dialog's confirm): dark enough for
 * white text (5.2:1, WCAG AA; the theme's orange is 3.6:1). */
export const PAUSE_ORANGE = '#c2410c';

interface Props {
  job: JobDetail;
  submitting: boolean;
  error: unknown;
  onConfirm: () => void;
  onClose: () => void;
}

/** What pausing does, in the order it happens (FR2.2.2's information section). */
export const PAUSE_IMPACT = [
  'The worker finishes its current step (and any checkpoint upload under way), saves a checkpoint and releases the GPU.',
  'Billing stops when the GPU is released. Paused time is never billed; spend so far is kept.',
  'Resume Training puts the job back in the queue. It continues from the checkpoint with the same data order: no step is repeated or skipped.',
  'You can switch the GPU type when you resume, or cancel the paused job.',
];

/** Pause confirmation: the job's current state, what happens, and the confirm button. */
export function PauseModal({ job, submitting, error, onConfirm, onClose }: Props) {
  const confirmRef = useRef<HTMLButtonElement>(null);
  return (
    <Modal
      title="Pause Training Job?"
      icon="‖"
      onClose={onClose}
      locked={submitting}
      initialFocusRef={confirmRef}
      testId="pause-modal"
      footer={
        <DialogFooter
          backLabel="Keep Training"
          onBack={onClose}
          confirmLabel="Pause Job"
          pendingLabel="Pausing…"
          pending={submitting}
          onConfirm={onConfirm}
          confirmStyle={{ background: PAUSE_ORANGE, color: '#fff' }}
          confirmRef={confirmRef}
          confirmTestId="confirm-pause"
        />
      }
    >
      <p style={{ margin: 0 }}>
        Pausing saves a checkpoint and frees the GPU so the job stops costing money. You can resume it later from where it stopped.
      </p>
      <JobStateSummary
        job={job}
        spendLabel="Spend so far"
        testId="pause-current-state"
        aside={
          <>
            <div className="stat__label">Checkpoints saved</div>
            <div className="stat__value">{formatNumber(job.checkpoint_count)}</div>
          </>
        }
      />
      <div>
        <div className="subhead" style={{ marginTop: 0 }}>
          What happens
        </div>
        <ul style={{ margin: 0, paddingLeft: 18 }} className="stack-sm">
          {PAUSE_IMPACT.map((b) => (
            <li key={b}>{b}</li>
          ))}
        </ul>
      </div>
      <DialogError error={error} />
    </Modal>
  );
}
