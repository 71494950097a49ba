import { useId, useRef, useState } from 'react';
import { Modal } from '../Modal';
import { ApiError } from '../../lib/api-client';
import type { CancelReason, JobDetail } from '../../lib/api-types';
import { formatDuration } from '../../lib/format';
import { CANCEL_NOTES_MAX, canConfirmCancel, cancelNotesError } from '../../lib/cancel';
import { CancelReasonSelect } from './CancelReasonSelect';
import { DialogError, DialogFooter } from './DialogFooter';
import { JobStateSummary } from './JobStateSummary';

interface Props {
  job: JobDetail;
  elapsedSeconds: number | null;
  submitting: boolean;
  error: unknown;
  onConfirm: (reason: CancelReason, notes: string) => void;
  onClose: () => void;
}

export function cancelImpact(job: Pick<JobDetail, 'status' | 'checkpoint_count'>): string[] {
  if (job.status === 'queued') {
    return [
      'The job is removed from the queue and will never start.',
      'No GPU time has been billed, so there is no charge.',
      'This cannot be undone — you would need to create the job again.',
    ];
  }
  return [
    'Training stops at the next step and the GPU is released; billing stops then.',
    'Spend so far is still charged.',
    job.checkpoint_count > 0
      ? `No final adapter is produced. ${job.checkpoint_count} saved checkpoint(s), metrics and logs stay available.`
      : 'No final adapter is produced. Metrics and logs stay available.',
    'This cannot be undone — resuming means starting a new job.',
  ];
}

export function CancelModal({ job, elapsedSeconds, submitting, error, onConfirm, onClose }: Props) {
  const [reason, setReason] = useState<CancelReason | ''>('');
  const fields = error instanceof ApiError ? error.fields : {};
  const [notes, setNotes] = useState('');
  const [ack, setAck] = useState(false);
  const reasonRef = useRef<HTMLSelectElement>(null);
  const reasonId = useId();
  const notesId = useId();
  const counterId = useId();
  const [notesTouched, setNotesTouched] = useState(false);
  const enabled = canConfirmCancel(reason, ack, submitting, notes);
  const notesRequired = reason === 'other';
  // Shown once the user has left the box or ticked the acknowledgement (so the disabled Confirm
  // is explained), and at once when the note is over the limit.
  const notesProblem = cancelNotesError(reason, notes);
  const notesError = fields.notes?.join(' ') ?? (notesProblem && (notesTouched || ack || notes.length > CANCEL_NOTES_MAX) ? notesProblem : undefined);

  return (
    <Modal
      title="Cancel Training Job?"
      icon="!"
      tone="danger"
      onClose={onClose}
      locked={submitting}
      initialFocusRef={reasonRef}
      testId="cancel-modal"
      footer={
        <DialogFooter
          backLabel="Go Back"
          onBack={onClose}
          confirmLabel="Confirm Cancellation"
          pendingLabel="Cancelling…"
          pending={submitting}
          onConfirm={() => reason && onConfirm(reason, notes.trim())}
          confirmDisabled={!enabled}
          confirmClassName="btn--danger"
          confirmTestId="confirm-cancel"
        />
      }
    >
      <JobStateSummary
        job={job}
        spendLabel="Cost spent"
        spendTestId="cancel-cost"
        aside={
          elapsedSeconds !== null ? (
            <>
              <div className="stat__label">Elapsed</div>
              <div className="stat__value">{formatDuration(elapsedSeconds)}</div>
            </>
          ) : null
        }
      />
      <div>
        <div className="subhead" style={{ marginTop: 0 }}>
          What happens
        </div>
        <ul style={{ margin: 0, paddingLeft: 18 }} className="stack-sm">
          {cancelImpact(job).map((b) => (
            <li key={b}>{b}</li>
          ))}
        </ul>
      </div>
      {/* Field errors show at their fields; only an error without any shows here. */}
      <DialogError error={Object.keys(fields).length ? null : error} />
      <div className="field">
        <label htmlFor={reasonId} className="field__label">
          Reason for cancelling <span aria-hidden="true">*</span>
        </label>
        <CancelReasonSelect
          id={reasonId}
          ref={reasonRef}
          value={reason}
          required
          aria-required="true"
          aria-invalid={!!fields.reason}
          onChange={setReason}
          disabled={submitting}
        />
        {fields.reason ? <span className="field__error">{fields.reason.join(' ')}</span> : null}
      </div>
      <div className="field">
        <label htmlFor={notesId} className="field__label">
          {notesRequired ? (
            <>
              Notes <span aria-hidden="true">*</span>
            </>
          ) : (
            'Notes (optional)'
          )}
        </label>
        <textarea
          id={notesId}
          className="textarea"
          value={notes}
          required={notesRequired}
          aria-required={notesRequired}
          aria-invalid={!!notesError}
          aria-describedby={`${counterId}${notesError ? ` ${notesId}-error` : ''}`}
          placeholder={notesRequired ? 'Why are you cancelling?' : 'Anything your team should know'}
          onChange={(e) => setNotes(e.target.value)}
          onBlur={() => setNotesTouched(true)}
          disabled={submitting}
          data-testid="cancel-notes"
        />
        <span className={`field__hint field__counter${notes.length > CANCEL_NOTES_MAX ? ' field__counter--over' : ''}`} id={counterId} data-testid="cancel-notes-counter">
          {notes.length.toLocaleString('en-US')} / {CANCEL_NOTES_MAX.toLocaleString('en-US')} characters
          {notesRequired ? ' · required for "Other"' : ''}
        </span>
        {notesError ? (
          <span className="field__error" id={`${notesId}-error`} data-testid="cancel-notes-error">
            {notesError}
          </span>
        ) : null}
      </div>
      <label className="checkbox">
        <input type="checkbox" checked={ack} onChange={(e) => setAck(e.target.checked)} disabled={submitting} />
        <span>I understand this action cannot be undone</span>
      </label>
    </Modal>
  );
}
