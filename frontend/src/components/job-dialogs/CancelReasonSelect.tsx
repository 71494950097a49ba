import type { ComponentPropsWithRef } from 'react';
import type { CancelReason } from '../../lib/api-types';
import { CANCEL_REASONS } from '../../lib/status';

type NativeSelectProps = Omit<ComponentPropsWithRef<'select'>, 'value' | 'onChange' | 'children' | 'className'>;

interface Props extends NativeSelectProps {
  /** '' while no reason is chosen (the placeholder option). */
  value: CancelReason | '';
  onChange: (reason: CancelReason | '') => void;
}

/** The cancel-reason picker of the single and the bulk cancel. The label is the caller's, as the
 *  two word and attach it differently; other props (id, ref, aria-*, test id) go to the select. */
export function CancelReasonSelect({ value, onChange, ...selectProps }: Props) {
  return (
    <select {...selectProps} className="select" value={value} onChange={(e) => onChange(toCancelReason(e.target.value))}>
      <option value="">Select a reason…</option>
      {CANCEL_REASONS.map((r) => (
        <option key={r.value} value={r.value}>
          {r.label}
        </option>
      ))}
    </select>
  );
}

// Looked up rather than cast, so only a listed reason (or '') ever reaches the caller.
function toCancelReason(value: string): CancelReason | '' {
  return CANCEL_REASONS.find((r) => r.value === value)?.value ?? '';
}
