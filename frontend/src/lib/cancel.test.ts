import { describe, expect, it } from 'vitest';
import { CANCEL_NOTES_MAX, canConfirmCancel, cancelNotesError } from './cancel';

describe('cancel note rules', () => {
  it('needs a note, not just spaces, for the reason "Other"', () => {
    expect(cancelNotesError('other', '')).toBe('Say why you are cancelling: the reason "Other" needs a note.');
    expect(cancelNotesError('other', '  \n ')).toBe('Say why you are cancelling: the reason "Other" needs a note.');
    expect(cancelNotesError('other', 'wrong dataset')).toBeUndefined();
    expect(cancelNotesError('testing', '')).toBeUndefined();
    expect(canConfirmCancel('other', true, false, '')).toBe(false);
    expect(canConfirmCancel('other', true, false, 'wrong dataset')).toBe(true);
  });

  it('says how far a note is over the limit instead of cutting it', () => {
    expect(cancelNotesError('testing', 'x'.repeat(CANCEL_NOTES_MAX))).toBeUndefined();
    expect(cancelNotesError('testing', 'x'.repeat(CANCEL_NOTES_MAX + 12))).toBe('Shorten the note to 2,000 characters (12 over).');
    expect(canConfirmCancel('testing', true, false, 'x'.repeat(CANCEL_NOTES_MAX + 1))).toBe(false);
  });
});

describe('cancel button enabling', () => {
  it('needs a reason and the checkbox', () => {
    expect(canConfirmCancel('', false)).toBe(false);
    expect(canConfirmCancel('cost_too_high', false)).toBe(false);
    expect(canConfirmCancel('', true)).toBe(false);
    expect(canConfirmCancel(null, true)).toBe(false);
    expect(canConfirmCancel('cost_too_high', true)).toBe(true);
    expect(canConfirmCancel('cost_too_high', true, true)).toBe(false);
  });
});
