import type { CSSProperties, RefObject } from 'react';
import { errorMessage } from '../../lib/api-client';

interface FooterProps {
  /** The way out that changes nothing ("Go Back", "Keep Training", "Stay Paused"). */
  backLabel: string;
  onBack: () => void;
  confirmLabel: string;
  /** Shown on the confirm button while the request is under way ("Cancelling…"). */
  pendingLabel: string;
  pending: boolean;
  onConfirm: () => void;
  /** Other reasons the confirm is off (nothing chosen yet, options not loaded). */
  confirmDisabled?: boolean;
  /** The confirm button's look: a class next to `btn` and, for a colour the theme lacks, a style. */
  confirmClassName?: string;
  confirmStyle?: CSSProperties;
  confirmRef?: RefObject<HTMLButtonElement | null>;
  confirmTestId: string;
}

/**
 * The job dialogs' footer: the back button and the confirm button. Both are off while the
 * request is pending (a second click would send it twice; closing would hide its outcome), and
 * the confirm says what is happening meanwhile.
 */
export function DialogFooter({
  backLabel,
  onBack,
  confirmLabel,
  pendingLabel,
  pending,
  onConfirm,
  confirmDisabled = false,
  confirmClassName,
  confirmStyle,
  confirmRef,
  confirmTestId,
}: FooterProps) {
  return (
    <>
      <button type="button" className="btn btn--secondary" onClick={onBack} disabled={pending}>
        {backLabel}
      </button>
      <button
        ref={confirmRef}
        type="button"
        className={confirmClassName ? `btn ${confirmClassName}` : 'btn'}
        style={confirmStyle}
        disabled={pending || confirmDisabled}
        onClick={onConfirm}
        data-testid={confirmTestId}
      >
        {pending ? pendingLabel : confirmLabel}
      </button>
    </>
  );
}

/** The refused request's message in a job dialog's body, announced as an alert; nothing without an error. */
export function DialogError({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <div className="alert alert--error" role="alert">
      {errorMessage(error)}
    </div>
  );
}
